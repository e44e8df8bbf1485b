#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# net.bats: networking, all on loopback: slirp4netns by default, the host's
# loopback only when allowed, published TCP and UDP ports, taken and
# privileged ports, none/host/container:NAME, DNS and hosts files, and no
# slirp4netns left behind.

load lib/common
bats_require_minimum_version 1.5.0

IMG=localhost/busybox

setup_file() { ctr_suite_begin net busybox config-image; }
teardown_file() { ctr_suite_end; }

setup() {
	ctr_test_setup
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	[ -r /dev/net/tun ] && [ -w /dev/net/tun ] || skip "/dev/net/tun is not usable by $(id -un) (tests/setup-host.sh opens it)"
}

teardown() {
	ctr_test_teardown
	local j
	for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Live slirp4netns processes of this suite's containers (zombies waiting for
# init do not count). make check runs suites side by side as the same user:
# slirp4netns inherits the monitor's environment, whose XDG_RUNTIME_DIR is
# under this bats run's directory; one whose environment cannot be read counts.
slirp_procs() {
	local pid stat comm env
	ps -u "$(id -u)" -o pid=,stat=,comm= | while read -r pid stat comm; do
		[ "$comm" = slirp4netns ] || continue
		case $stat in Z*) continue ;; esac
		if env=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ"); then
			grep -q "^XDG_RUNTIME_DIR=$BATS_RUN_TMPDIR/" <<<"$env" || continue
		fi
		echo "$pid $stat $comm"
	done
}

# slirp4netns is killed, not waited for: give it a moment to go.
no_slirp_left() {
	local i
	for i in $(seq 50); do [ -z "$(slirp_procs)" ] && return 0; sleep 0.1; done
	echo "# slirp4netns left running: $(slirp_procs)" >&2
	return 1
}

# An HTTP server on the host's loopback, serving a file that says "host-page".
host_http() {
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo host-page >"$BATS_TEST_TMPDIR/www/index.html"
	python3 -m http.server --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/www" "$1" >/dev/null 2>&1 &
	local i
	for i in $(seq 50); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

fetch() {
	python3 -c "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())" "$1"
}

@test "the default network is slirp4netns: tap0 with 10.0.2.100, a default route, lo up" {
	run "$URUN" run --rm "$IMG" sh -c 'ip -o -4 addr show tap0; ip route; ip -o link show lo'
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "inet 10.0.2.100/24"
	assert_contains "$output" "default via 10.0.2.2 dev tap0"
	assert_contains "$output" "mtu 65536"
	run "$URUN" run --rm "$IMG" cat /sys/class/net/tap0/mtu
	assert_eq "$output" "65520"
	run "$URUN" run --rm --network slirp4netns:mtu=1500,cidr=10.7.0.0/24 "$IMG" sh -c 'ip -o -4 addr show tap0; cat /sys/class/net/tap0/mtu'
	assert_contains "${lines[0]}" "inet 10.7.0.100/24"
	assert_eq "${lines[1]}" "1500"
}

@test "allow_host_loopback=true reaches the host's 127.0.0.1 via 10.0.2.2; without it, nothing" {
	local port
	port=$(free_port)
	host_http "$port"
	run "$URUN" run --rm --network slirp4netns:allow_host_loopback=true "$IMG" wget -q -O - "http://10.0.2.2:$port/"
	[ "$status" -eq 0 ]
	assert_eq "$output" "host-page"
	run "$URUN" run --rm "$IMG" wget -q -T 3 -O - "http://10.0.2.2:$port/"
	[ "$status" -ne 0 ]
	[[ "$output" != *host-page* ]]
}

@test "-p 127.0.0.1:HOSTPORT:80 reaches a busybox httpd in a detached container; urun port lists it" {
	local port
	port=$(free_port)
	"$URUN" run -d --name web -p "127.0.0.1:$port:80" "$IMG" sh -c 'mkdir /www && echo container-page > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	local i
	for i in $(seq 50); do fetch "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
	run fetch "http://127.0.0.1:$port/"
	assert_eq "$output" "container-page"
	run "$URUN" port web
	assert_eq "$output" "80/tcp -> 127.0.0.1:$port"
	run "$URUN" port web 80
	assert_eq "$output" "127.0.0.1:$port"
	run "$URUN" ps --format '{{.Ports}}'
	assert_eq "$output" "127.0.0.1:$port->80/tcp"
	run "$URUN" inspect --format '{{json .NetworkSettings.Ports}}' web
	assert_eq "$output" "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}]}"
}

@test "-p HOSTPORT:CTRPORT/udp forwards UDP" {
	local port
	port=$(free_port)
	"$URUN" run -d --name udp -v "$URUN_PROBE:/dev/probe:ro" -p "127.0.0.1:$port:5353/udp" "$IMG" /dev/probe udp-echo 5353 >/dev/null
	run python3 - "$port" <<-'PY'
	import socket, sys, time
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(0.3)
	for i in range(30):
	    s.sendto(b"ping-%d" % i, ("127.0.0.1", int(sys.argv[1])))
	    try:
	        print(s.recv(100).decode().split("-")[0])
	        break
	    except socket.timeout:
	        pass
	PY
	assert_eq "$output" "echo: ping"
}

@test "port_max_connections: connections over the cap are closed at once, one warning; relays use default-size pipes" {
	local port mon
	port=$(free_port)
	URUN_PORT_MAX_CONNECTIONS=3 "$URUN" run --rm --name capped -p "127.0.0.1:$port:80" "$IMG" nc -ll -p 80 -e cat \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local i
	for i in $(seq 100); do mon=$("$URUN" inspect --format '{{.State.ConmonPid}}' capped 2>/dev/null) && [ "$mon" != 0 ] && break; sleep 0.1; done
	# Three connections are held open, each proven to reach the echo server
	# (retried while the server starts); then two more are closed by the
	# forwarder without a byte. Pipes: F_GETPIPE_SZ of every pipe the
	# monitor holds, through /proc, against a fresh pipe's default size.
	run python3 - "$port" "$mon" "$BATS_TEST_TMPDIR/err" <<-'PY'
	import fcntl, os, socket, sys, time
	port, mon, errf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	F_GETPIPE_SZ = 1032
	def echo(s, msg):
	    try:
	        s.sendall(msg)
	        return s.recv(100) == msg
	    except OSError:
	        return False
	def opened():
	    for i in range(100):
	        s = socket.create_connection(("127.0.0.1", port), 5)
	        s.settimeout(5)
	        if echo(s, b"ping\n"):
	            return s
	        s.close()
	        time.sleep(0.1)
	    sys.exit("no connection got through")
	held = [opened() for i in range(3)]
	for i in range(2):
	    s = socket.create_connection(("127.0.0.1", port), 5)
	    s.settimeout(10)
	    try:
	        print("excess", "closed" if s.recv(100) == b"" else "answered")
	    except ConnectionResetError:
	        print("excess closed")
	    except socket.timeout:
	        print("excess left open")
	warn = [l.strip() for l in open(errf) if "port_max_connections" in l]
	print("warnings", len(warn))
	print(warn[0] if warn else "no warning")
	r, w = os.pipe()
	default = fcntl.fcntl(r, F_GETPIPE_SZ)
	sizes = set()
	for fd in os.listdir(f"/proc/{mon}/fd"):
	    try:
	        if not os.readlink(f"/proc/{mon}/fd/{fd}").startswith("pipe:"):
	            continue
	        p = os.open(f"/proc/{mon}/fd/{fd}", os.O_RDONLY | os.O_NONBLOCK)
	    except OSError:
	        continue
	    sizes.add(fcntl.fcntl(p, F_GETPIPE_SZ))
	    os.close(p)
	print("pipes", "default" if sizes == {default} else sorted(sizes))
	print("held ones echo", all(echo(s, b"again\n") for s in held))
	held[0].close()
	print("after a close", "works" if opened() else "refused")
	PY
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "excess closed"
	assert_eq "${lines[1]}" "excess closed"
	assert_eq "${lines[2]}" "warnings 1"
	assert_eq "${lines[3]}" "urun: warning: published port 127.0.0.1:$port/tcp has 3 connections (port_max_connections): refusing new ones"
	assert_eq "${lines[4]}" "pipes default"
	assert_eq "${lines[5]}" "held ones echo True"
	assert_eq "${lines[6]}" "after a close works"
}

@test "port_max_udp_peers: a flood of new UDP peers is dropped, the known peers go on" {
	local port
	port=$(free_port)
	URUN_PORT_MAX_UDP_PEERS=2 "$URUN" run --rm --name udpcap -v "$URUN_PROBE:/dev/probe:ro" -p "127.0.0.1:$port:5353/udp" \
		"$IMG" /dev/probe udp-echo 5353 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	run python3 - "$port" "$BATS_TEST_TMPDIR/err" <<-'PY'
	import socket, sys
	port, errf = int(sys.argv[1]), sys.argv[2]
	def peer():
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.settimeout(0.3)
	    return s
	def echo(s, tries):
	    for i in range(tries):
	        s.sendto(b"ping", ("127.0.0.1", port))
	        try:
	            return s.recv(100).startswith(b"echo")
	        except socket.timeout:
	            pass
	    return False
	a, b = peer(), peer()
	print("known", echo(a, 50), echo(b, 50))
	flood = [peer() for i in range(10)]
	print("flood answered", sum(echo(s, 1) for s in flood))
	print("known", echo(a, 5), echo(b, 5))
	warn = [l.strip() for l in open(errf) if "port_max_udp_peers" in l]
	print("warnings", len(warn))
	print(warn[0] if warn else "no warning")
	PY
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "known True True"
	assert_eq "${lines[1]}" "flood answered 0"
	assert_eq "${lines[2]}" "known True True"
	assert_eq "${lines[3]}" "warnings 1"
	assert_eq "${lines[4]}" "urun: warning: published port 127.0.0.1:$port/udp has 2 peers (port_max_udp_peers): dropping datagrams from new ones"
}

@test "run -d -p returns at once into a pipe: no process urun leaves behind holds an fd of the caller" {
	local port
	port=$(free_port)
	# stdin and stdout/stderr are pipes, fd 7 a file; their identities
	# (pipe:[INODE], the path) are kept for the scan below.
	cat >"$BATS_TEST_TMPDIR/detach.sh" <<-EOF
	readlink /proc/\$\$/fd/0 /proc/\$\$/fd/1 /proc/\$\$/fd/7 >"$BATS_TEST_TMPDIR/fds"
	exec "$URUN" run -d --name fdfree -p "127.0.0.1:$port:80" "$IMG" sleep 1000
	EOF
	run timeout 20 bash -c ": | sh '$BATS_TEST_TMPDIR/detach.sh' 7>'$BATS_TEST_TMPDIR/held' 2>&1 | cat"
	[ "$status" -ne 124 ]
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	# Every process with this test's XDG_RUNTIME_DIR: the monitor, the port
	# forwarder's helper, slirp4netns, the keeper (and this test's own).
	run python3 - "$XDG_RUNTIME_DIR" "$BATS_TEST_TMPDIR/fds" <<-'PY'
	import os, sys
	rt, fdsfile = sys.argv[1], sys.argv[2]
	caller = set(l.strip() for l in open(fdsfile))
	held, comms = [], set()
	for pid in os.listdir("/proc"):
	    if not pid.isdigit() or int(pid) == os.getpid():
	        continue
	    try:
	        if ("XDG_RUNTIME_DIR=" + rt).encode() not in open(f"/proc/{pid}/environ", "rb").read().split(b"\0"):
	            continue
	        comm = open(f"/proc/{pid}/comm").read().strip()
	        comms.add(comm)
	        for fd in os.listdir(f"/proc/{pid}/fd"):
	            if os.readlink(f"/proc/{pid}/fd/{fd}") in caller:
	                held.append(f"{comm}[{pid}] fd {fd}")
	    except OSError:
	        continue
	print("caller fds", len(caller))
	print("found", " ".join(sorted(c for c in comms if c in ("urun", "slirp4netns"))))
	print("held", " ".join(held) or "none")
	PY
	assert_eq "${lines[0]}" "caller fds 3"
	assert_eq "${lines[1]}" "found slirp4netns urun"
	assert_eq "${lines[2]}" "held none"
}

@test "a taken host port: a clear error and no container" {
	local port
	port=$(free_port)
	host_http "$port"
	run "$URUN" run --rm --name taken -p "127.0.0.1:$port:80" "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "host port 127.0.0.1:$port/tcp is already in use"
	assert_contains "$output" "hint:"
	run "$URUN" run -d --name taken2 -p "$port:80" "$IMG" true
	[ "$status" -eq 125 ]
	run "$URUN" ps -a -q
	assert_eq "$output" ""
	no_slirp_left
}

@test "a privileged host port (-p 80:80): the sysctl's value and the two ways out" {
	local start
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	[ "$start" -gt 80 ] || skip "this host lets users bind port 80 (ip_unprivileged_port_start=$start)"
	run "$URUN" run --rm -p 80:80 "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "cannot publish host port 80: ports below $start need privileges (sysctl net.ipv4.ip_unprivileged_port_start=$start)"
	assert_contains "$output" "-p 8080:80"
	assert_contains "$output" "sysctl net.ipv4.ip_unprivileged_port_start=80"
	run "$URUN" ps -a -q
	assert_eq "$output" ""
}

@test "-p works with --network none too: the forwarder reaches the container's loopback" {
	local port
	port=$(free_port)
	"$URUN" run -d --name nonepub --network none -p "127.0.0.1:$port:80" "$IMG" sh -c 'mkdir /www && echo none-page > /www/index.html && exec httpd -f -p 127.0.0.1:80 -h /www' >/dev/null
	local i
	for i in $(seq 50); do fetch "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
	run fetch "http://127.0.0.1:$port/"
	assert_eq "$output" "none-page"
	# a connection to a port nobody listens on inside is closed, and the forwarder lives on
	run python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $port)); s.close()"
	run fetch "http://127.0.0.1:$port/"
	assert_eq "$output" "none-page"
}

@test "-P publishes the image's ExposedPorts on free host ports" {
	"$URUN" run -d --name pa -P --entrypoint "" localhost/config-image sleep 1000 >/dev/null
	run "$URUN" port pa
	[[ "$output" =~ ^80/tcp\ -\>\ 0\.0\.0\.0:[0-9]+$ ]]
}

@test "--network none shows only lo; --network host sees the host's interfaces" {
	run "$URUN" run --rm --network none "$IMG" sh -c 'ls /sys/class/net'
	assert_eq "$output" "lo"
	local host_ifs
	host_ifs=$(ls /sys/class/net | sort | tr '\n' ' ')
	run "$URUN" run --rm --network host "$IMG" sh -c 'ls /sys/class/net | sort | tr "\n" " "'
	assert_eq "$output" "$host_ifs"
	run "$URUN" run --rm --network host -p 8080:80 "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "--publish needs a network namespace of the container's own"
}

@test "--network container:NAME shares another container's network namespace" {
	"$URUN" run -d --name netowner "$IMG" sh -c 'mkdir /www && echo owner-page > /www/index.html && exec httpd -f -p 127.0.0.1:8000 -h /www' >/dev/null
	run "$URUN" run --rm --network container:netowner "$IMG" sh -c 'ip -o -4 addr show tap0; wget -q -O - http://127.0.0.1:8000/; ls /sys/class/net | tr "\n" " "'
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "inet 10.0.2.100/24"
	assert_eq "${lines[1]}" "owner-page"
	assert_eq "${lines[2]}" "lo tap0 "
	local a b
	a=$("$URUN" exec netowner readlink /proc/self/ns/net)
	"$URUN" run -d --name joiner --network container:netowner "$IMG" sleep 1000 >/dev/null
	b=$("$URUN" exec joiner readlink /proc/self/ns/net)
	assert_eq "$b" "$a"
	run "$URUN" run --rm --network container:nosuch "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "no container with name or ID \`nosuch\` found"
}

@test "resolv.conf and hosts: --dns, --dns-search, --dns-option, --add-host, the hostname" {
	run "$URUN" run --rm --hostname box --dns 192.0.2.53 --dns-search lab.example --dns-option ndots:2 \
		--add-host db:192.0.2.7 "$IMG" sh -c 'cat /etc/resolv.conf; cat /etc/hosts'
	[ "$status" -eq 0 ]
	assert_contains "$output" "nameserver 192.0.2.53"
	assert_contains "$output" "search lab.example"
	assert_contains "$output" "options ndots:2"
	assert_contains "$output" "10.0.2.100	box"
	assert_contains "$output" "192.0.2.7	db"
	assert_contains "$output" "127.0.0.1	localhost"
	run "$URUN" run --rm --add-host nocolon "$IMG" true
	[ "$status" -eq 125 ]
}

@test "a non-root user can ping inside the container (ping_group_range of its network namespace)" {
	# iputils ping's way: an unprivileged ICMP socket (busybox ping wants a raw one)
	run "$URUN" run --rm -u 1000:1000 -v "$URUN_PROBE:/dev/probe:ro" "$IMG" sh -c 'cat /proc/sys/net/ipv4/ping_group_range; /dev/probe ping 127.0.0.1; /dev/probe ping 10.0.2.100'
	[ "$status" -eq 0 ]
	assert_eq "${lines[*]}" "0	65536 OK OK"
	# with --network none too: it is the container's own namespace
	run "$URUN" run --rm --network none -u 1000:1000 -v "$URUN_PROBE:/dev/probe:ro" "$IMG" /dev/probe ping 127.0.0.1
	assert_eq "$output" "OK"
}

@test "no slirp4netns remains after --rm, rm, or kill -9 of urun" {
	"$URUN" run --rm "$IMG" true
	no_slirp_left
	"$URUN" run -d --name gone "$IMG" sleep 1000 >/dev/null
	[ -n "$(slirp_procs)" ]
	"$URUN" rm -f gone
	no_slirp_left
	"$URUN" run --rm "$IMG" sleep 1000 &
	local pid=$! i
	for i in $(seq 50); do [ -n "$(slirp_procs)" ] && break; sleep 0.1; done
	[ -n "$(slirp_procs)" ]
	kill -9 "$pid"
	wait "$pid" || true
	no_slirp_left
	"$URUN" run -d --name mon "$IMG" sleep 1000 >/dev/null
	kill -9 "$("$URUN" inspect --format '{{.State.ConmonPid}}' mon)"
	no_slirp_left
}

@test "the container sets up while slirp4netns starts: its own mount error is the one reported" {
	# The mounts run concurrently with the network's start; a failure there
	# must not surface as slirp4netns's or as a broken pipe.
	run "$URUN" run --rm -v /etc/hostname:/bin "$IMG" true
	[ "$status" -eq 125 ]
	assert_eq "$output" "urun: bind-mounting \`/etc/hostname\` on \`/bin\`: Not a directory"
	local p
	p=$(free_port)
	run "$URUN" run --rm -p "127.0.0.1:$p:80" -v /etc/hostname:/bin "$IMG" true
	[ "$status" -eq 125 ]
	assert_eq "$output" "urun: bind-mounting \`/etc/hostname\` on \`/bin\`: Not a directory"
	run "$URUN" ps -aq
	assert_eq "$output" ""
	no_slirp_left
	# A user other than root inside switches only after the network is up.
	run "$URUN" run --rm -u 1000 "$IMG" sh -c 'id -u; ip -4 -o addr show tap0 | grep -c 10.0.2.100'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "1000"
	assert_eq "${lines[1]}" "1"
}

@test "a runtime dir longer than a socket path allows still networks and publishes" {
	local long="$BATS_TEST_TMPDIR/a-runtime-dir-whose-path-is-longer-than-the-108-bytes-of-sun-path-in-struct-sockaddr-un-xxxxxxxxxxxxxxxxxxxx"
	mkdir -m 0700 -p "$long"
	[ "${#long}" -gt 108 ]
	local port
	port=$(free_port)
	XDG_RUNTIME_DIR=$long "$URUN" run -d --name longdir -p "127.0.0.1:$port:80" "$IMG" sh -c 'mkdir /www && echo long-ok > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	local i
	for i in $(seq 50); do fetch "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
	run fetch "http://127.0.0.1:$port/"
	assert_eq "$output" "long-ok"
	XDG_RUNTIME_DIR=$long "$URUN" rm -f longdir
}

@test "--network pasta: the host's addresses and routes copied in, published ports, nothing left after rm" {
	command -v pasta >/dev/null || skip "pasta (package passt) is not installed"
	run "$URUN" run --rm --network pasta "$IMG" sh -c 'ip route | grep -c "^default"; ls /sys/class/net | grep -vc "^lo$"'
	[ "$status" -eq 0 ]
	assert_eq "${lines[*]}" "1 1"
	local port
	port=$(free_port)
	"$URUN" run -d --name pa --network pasta -p "127.0.0.1:$port:80" "$IMG" sh -c 'mkdir /www && echo pasta-page > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	local i
	for i in $(seq 50); do fetch "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
	run fetch "http://127.0.0.1:$port/"
	assert_eq "$output" "pasta-page"
	run "$URUN" inspect --format '{{.HostConfig.NetworkMode}}' pa
	assert_eq "$output" "pasta"
	"$URUN" rm -f pa >/dev/null
	for i in $(seq 50); do [ -z "$(ps -u "$(id -u)" -o stat=,comm= | awk '$2 ~ /^pasta/ && $1 !~ /^Z/')" ] && break; sleep 0.1; done
	[ -z "$(ps -u "$(id -u)" -o stat=,comm= | awk '$2 ~ /^pasta/ && $1 !~ /^Z/')" ]
	URUN_PASTA=/nonexistent/pasta run "$URUN" run --rm --network pasta "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "pasta is not usable: \`/nonexistent/pasta\`"
	assert_contains "$output" "apt-get install passt"
}

@test "slirp4netns missing: one clear line naming the --network modes that work" {
	URUN_SLIRP4NETNS=/nonexistent/slirp4netns run "$URUN" run --rm "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "${lines[0]}" "slirp4netns, the default network, is not usable: \`/nonexistent/slirp4netns\`"
	assert_contains "$output" "--network none"
	assert_contains "$output" "--network host"
	URUN_SLIRP4NETNS=/nonexistent/slirp4netns run "$URUN" run --rm --network none "$IMG" true
	[ "$status" -eq 0 ]
	run "$URUN" ps -a -q
	assert_eq "$output" ""
}
