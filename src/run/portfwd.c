/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portfwd.c: the monitor's port forwarder. slirp4netns's own forwarder
 * translates a host-loopback client to 10.0.2.2, and replies to that
 * address are dropped under --disable-host-loopback (podman #4586: UDP
 * from the host gets no answer); relaying through userspace slirp also
 * caps throughput. Here the kernel does the work: host sockets on one
 * side, sockets made inside the container's network namespace on the
 * other, and splice(2) between them through a pipe, never copying through
 * urun's memory. The container sees connections from 127.0.0.1. */
#include "run/portfwd.h"
#include "run/net.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/syscalls.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

/* Resource use. Pipes keep the kernel's default size (16 pages): every
 * pipe page counts against the user's fs.pipe-user-pages-soft (16384
 * pages), and a user over it gets 2-page pipes in every program. A relay
 * holds a pipe only while bytes wait in it (an idle connection has none);
 * empty pipes go back to a small pool, and all of the forwarder's pipes
 * together stay under a quarter of that budget. Connections and UDP peers
 * are capped per published port (urun.conf), and FD_RESERVE descriptors
 * below RLIMIT_NOFILE are left to the monitor's own work. */
#define SPLICE_MAX	 (1 << 20) /* per splice(2) call: the pipe takes what fits */
#define POOL_MAX	 8
#define FD_RESERVE	 64
#define CONN_FDS	 6 /* two sockets and, at most, two pipes */
#define WARN_SECONDS	 10
#define UDP_IDLE_SECONDS 60

struct listener {
	int fd;
	const struct port_map *map;
	size_t n;      /* its connections (TCP) or peers (UDP) */
	bool refusing; /* in a burst of refusals: warned once */
	time_t warned;
};

/* One direction of a TCP relay: src -> pipe -> dst. */
struct half {
	int pipe[2];	/* -1 while nothing is in flight */
	size_t pending; /* bytes in the pipe */
	bool eof, shut;
};

struct conn {
	struct listener *l;
	int a, b;	 /* host side, container side */
	bool connecting; /* b: connect() in progress */
	struct half ab, ba;
};

struct flow {
	struct listener *l;
	struct sockaddr_in peer;
	int fd; /* connected to 127.0.0.1:CTRPORT in the container */
	time_t last;
};

enum slot_kind { SLOT_LISTENER, SLOT_CONN_A, SLOT_CONN_B, SLOT_FLOW };
struct slot {
	enum slot_kind kind;
	size_t idx;
};

struct portfwd {
	int helper; /* socketpair to the socket maker in the container's netns */
	pid_t helper_pid;
	struct listener *l;
	size_t nl;
	struct conn **c;
	size_t nc;
	struct flow **f;
	size_t nf;
	struct slot *slots;
	size_t nslots;
	unsigned max_conns, max_peers; /* per published port */
	size_t fd_budget;	       /* descriptors the relays may use */
	size_t npipes, max_pipes;      /* pipes open (in relays and the pool) */
	int (*pool)[2];		       /* empty pipes, ready for the next relay */
	size_t npool;
	int spare; /* given up to accept and close one connection at EMFILE */
};

/* ---- the helper: makes sockets inside the container's network ---------- */

static int send_fd(int sock, int fd, char status)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &status, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char status;
	struct iovec iov = {.iov_base = &status, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	int fd = -1;
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Joining a network namespace needs CAP_SYS_ADMIN in the caller's own user
 * namespace too, so the helper joins the container's user namespace as
 * well. It lives outside the container's pid namespace, where no
 * container process can reach it, and dies with the monitor. */
__attribute__((noreturn)) static void helper_main(int sock, int pidfd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* It lives as long as the container: it must hold nothing of the
	 * caller's. A detached monitor still has the caller's stdin and
	 * stderr until the container runs, and `urun run -d -p ... | cat`
	 * would wait for this process's end. */
	int keep[] = {sock, pidfd};
	close_all_except(keep, ARRAY_SIZE(keep));
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		_exit(1);
	if (null > STDERR_FILENO)
		close(null);
	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNET) < 0)
		_exit(1);
	close(pidfd);
	for (;;) {
		char kind;
		ssize_t n = read(sock, &kind, 1);
		if (n <= 0)
			_exit(0);
		int fd = socket(
		    AF_INET,
		    (kind == 'u' ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (send_fd(sock, fd, fd >= 0 ? 0 : 1) < 0)
			_exit(1);
		if (fd >= 0)
			close(fd);
	}
}

/* A socket made in the container's network namespace. */
static int helper_socket(struct portfwd *pf, bool udp)
{
	char kind = udp ? 'u' : 't';
	if (write(pf->helper, &kind, 1) != 1)
		return -1;
	return recv_fd(pf->helper);
}

/* A socket in the container's network, connected (or connecting) to
 * 127.0.0.1:port there. */
static int container_socket(struct portfwd *pf, bool udp, uint16_t port)
{
	int fd = helper_socket(pf, udp);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- set-up -------------------------------------------------------------- */

static size_t open_fds(void)
{
	size_t n = 0;
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	return n ? n - 1 : 0; /* not the directory's own */
}

/* Relays are bounded by the per-port caps, not by the soft RLIMIT_NOFILE
 * of 1024 kept for select(2) users: the monitor raises it to the hard
 * limit, as Go programs such as podman's rootlessport do. The container
 * was cloned already and keeps the caller's limits. What the relays may
 * use is what is left, less a reserve for the monitor itself (state
 * files, the stop timer): a full forwarder refuses connections, it never
 * makes the monitor fail. */
static size_t relay_fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	size_t used = open_fds() + FD_RESERVE;
	rlim_t lim = rl.rlim_cur == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_cur;
	return lim > used ? (size_t)(lim - used) : 0;
}

/* A quarter of the pages a user's pipes may have before the kernel
 * shrinks every new pipe of that user, in default-sized pipes (16 pages). */
static size_t pipe_budget(void)
{
	long soft = 16384;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/fs/pipe-user-pages-soft", "re");
	if (f && fscanf(f, "%ld", &soft) != 1)
		soft = 16384;
	if (soft <= 0) /* no limit */
		soft = 1L << 20;
	size_t n = (size_t)soft / 4 / 16;
	return n > 2 ? n : 2;
}

static int bind_host(const struct port_map *p, struct urun_error *err)
{
	int fd =
	    socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return urun_error_set(err, errno, "creating a socket");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p->host_port)};
	inet_pton(AF_INET, *p->host_ip ? p->host_ip : "0.0.0.0", &a.sin_addr);
	int one = 1;
	if (!p->udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (!p->udp && listen(fd, 128) < 0)) {
		int e = errno;
		close(fd);
		return net_port_error(p, e, err);
	}
	return fd;
}

int portfwd_start(const struct container_spec *spec, pid_t child, struct portfwd **out,
		  struct urun_error *err)
{
	*out = NULL;
	if (!spec->n_ports)
		return 0;
	struct portfwd *pf = xzalloc(sizeof(*pf));
	pf->helper = -1;
	pf->helper_pid = -1;
	pf->spare = -1;
	pf->max_conns = spec->port_max_conns;
	pf->max_peers = spec->port_max_peers;
	*out = pf;
	pf->l = xcalloc(spec->n_ports, sizeof(*pf->l));
	for (size_t i = 0; i < spec->n_ports; i++) {
		int fd = bind_host(&spec->ports[i], err);
		if (fd < 0)
			return fd;
		pf->l[pf->nl++] = (struct listener){.fd = fd, .map = &spec->ports[i]};
	}
	int sp[2];
	_cleanup_close_ int pidfd = sys_pidfd_open(child, 0);
	if (pidfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return urun_error_set(err, errno, "starting the port forwarder");
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		helper_main(sp[1], pidfd);
	}
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return urun_error_set(err, errno, "starting the port forwarder");
	}
	pf->helper = sp[0];
	pf->helper_pid = pid;
	/* One round trip proves the helper joined the namespace. */
	int probe = helper_socket(pf, true);
	if (probe < 0) {
		int r = urun_error_set(
		    err, 0, "the port forwarder could not join the container's network namespace");
		urun_error_hint(err, "`urun info` checks user namespaces; without -p the container "
				     "needs no forwarder");
		return r;
	}
	close(probe);
	pf->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pf->fd_budget = relay_fd_budget();
	pf->max_pipes = pipe_budget();
	log_debug("port forwarder: %u connections and %u UDP peers per port, %zu fds, %zu pipes",
		  pf->max_conns, pf->max_peers, pf->fd_budget, pf->max_pipes);
	return 0;
}

/* ---- relaying ------------------------------------------------------------ */

/* Descriptors in use: each connection counted with both its pipes. */
static size_t fds_used(const struct portfwd *pf)
{
	return CONN_FDS * pf->nc + pf->nf + 2 * pf->npool;
}

/* A refused connection or a dropped peer: one warning per burst (and not
 * more often than every WARN_SECONDS), so a flood cannot flood the log. */
static void refused(struct listener *l, bool at_cap, size_t cap)
{
	time_t now = time(NULL);
	if (l->refusing || now - l->warned < WARN_SECONDS) {
		l->refusing = true;
		return;
	}
	l->refusing = true;
	l->warned = now;
	const struct port_map *p = l->map;
	const char *ip = *p->host_ip ? p->host_ip : "0.0.0.0";
	if (!at_cap)
		log_warn("published port %s:%u/%s: the monitor is short of file descriptors: "
			 "refusing new %s",
			 ip, p->host_port, p->udp ? "udp" : "tcp",
			 p->udp ? "peers" : "connections");
	else if (p->udp)
		log_warn("published port %s:%u/udp has %zu peers (port_max_udp_peers): dropping "
			 "datagrams from new ones",
			 ip, p->host_port, cap);
	else
		log_warn("published port %s:%u/tcp has %zu connections (port_max_connections): "
			 "refusing new ones",
			 ip, p->host_port, cap);
}

/* A pipe for a half that has bytes to move: from the pool, or a new one
 * while the forwarder is under its pipe budget. */
static bool half_pipe(struct portfwd *pf, struct half *h)
{
	if (h->pipe[0] >= 0)
		return true;
	if (pf->npool) {
		pf->npool--;
		h->pipe[0] = pf->pool[pf->npool][0];
		h->pipe[1] = pf->pool[pf->npool][1];
		return true;
	}
	if (pf->npipes >= pf->max_pipes || pipe2(h->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		h->pipe[0] = h->pipe[1] = -1;
		return false;
	}
	pf->npipes++;
	return true;
}

/* An empty pipe goes back to the pool; one with bytes in it is closed
 * (the connection is gone) or kept. */
static void half_release(struct portfwd *pf, struct half *h, bool closing)
{
	if (h->pipe[0] < 0 || (h->pending && !closing))
		return;
	if (!h->pending && pf->npool < POOL_MAX) {
		if (!pf->pool)
			pf->pool = xcalloc(POOL_MAX, sizeof(*pf->pool));
		pf->pool[pf->npool][0] = h->pipe[0];
		pf->pool[pf->npool][1] = h->pipe[1];
		pf->npool++;
	} else {
		close(h->pipe[0]);
		close(h->pipe[1]);
		pf->npipes--;
	}
	h->pipe[0] = h->pipe[1] = -1;
}

static void conn_free(struct portfwd *pf, struct conn *c)
{
	half_release(pf, &c->ab, true);
	half_release(pf, &c->ba, true);
	if (c->a >= 0)
		close(c->a);
	if (c->b >= 0)
		close(c->b);
	c->l->n--;
	free(c);
}

/* Out of descriptors all the same (the reserve taken by something else):
 * the spare one makes room to accept and close a connection, else the
 * listener stays readable and the poll loop spins on it. */
static void shed(struct portfwd *pf, struct listener *l)
{
	if (pf->spare < 0)
		return;
	close(pf->spare);
	int a = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (a >= 0)
		close(a);
	pf->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	refused(l, false, 0);
}

static void accept_tcp(struct portfwd *pf, struct listener *l)
{
	for (int k = 0; k < 64; k++) {
		int a = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (a < 0) {
			if (errno == EMFILE || errno == ENFILE)
				shed(pf, l);
			return;
		}
		/* Over the cap: accepted and closed at once, so the client sees
		 * the connection end rather than wait in the backlog. */
		bool at_cap = l->n >= pf->max_conns;
		if (at_cap || fds_used(pf) + CONN_FDS > pf->fd_budget) {
			close(a);
			refused(l, at_cap, l->n);
			continue;
		}
		int b = container_socket(pf, false, l->map->ctr_port);
		if (b < 0) {
			close(a);
			continue;
		}
		struct conn *c = xzalloc(sizeof(*c));
		c->l = l;
		c->a = a;
		c->b = b;
		c->connecting = true;
		c->ab.pipe[0] = c->ab.pipe[1] = c->ba.pipe[0] = c->ba.pipe[1] = -1;
		l->n++;
		l->refusing = false;
		pf->c = xrealloc(pf->c, (pf->nc + 1) * sizeof(*pf->c));
		pf->c[pf->nc++] = c;
	}
}

/* Move what is in the pipe to dst; false on a fatal error. */
static bool drain(struct portfwd *pf, struct half *h, int dst)
{
	while (h->pending) {
		ssize_t m = splice(h->pipe[0], NULL, dst, NULL, h->pending,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (m < 0)
			return errno == EAGAIN;
		h->pending -= (size_t)m;
	}
	half_release(pf, h, false);
	return true;
}

/* src readable: into the pipe, then on to dst as far as it takes it. */
static bool pump(struct portfwd *pf, struct half *h, int src, int dst)
{
	if (!h->eof && !half_pipe(pf, h)) {
		/* No pipe to spare: the bytes wait in the socket (want() asks
		 * for no POLLIN meanwhile); only an end needs no pipe. */
		char c;
		ssize_t n = recv(src, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			h->eof = true;
		return n >= 0 || errno == EAGAIN;
	}
	for (int k = 0; k < 16 && !h->eof; k++) {
		ssize_t n = splice(src, NULL, h->pipe[1], NULL, SPLICE_MAX,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == 0) {
			h->eof = true;
		} else if (n < 0) {
			if (errno != EAGAIN)
				return false;
			break;
		} else {
			h->pending += (size_t)n;
		}
		if (!drain(pf, h, dst))
			return false;
		if (h->pending)
			break;
		if (!h->eof && !half_pipe(pf, h))
			break;
	}
	half_release(pf, h, false);
	return true;
}

/* Half-close: after EOF and an empty pipe, pass the FIN on. */
static void finish_half(struct half *h, int dst)
{
	if (h->eof && !h->pending && !h->shut) {
		shutdown(dst, SHUT_WR);
		h->shut = true;
	}
}

static bool conn_step(struct portfwd *pf, struct conn *c, short ra, short rb)
{
	if (c->connecting) {
		if (!(rb & (POLLOUT | POLLERR | POLLHUP)))
			return true;
		int e = 0;
		socklen_t len = sizeof(e);
		if (getsockopt(c->b, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e)
			return false; /* nothing listens on that port in the container */
		c->connecting = false;
	}
	if ((ra & (POLLIN | POLLHUP | POLLERR)) && !pump(pf, &c->ab, c->a, c->b))
		return false;
	if ((rb & (POLLIN | POLLHUP | POLLERR)) && !pump(pf, &c->ba, c->b, c->a))
		return false;
	if ((rb & POLLOUT) && !drain(pf, &c->ab, c->b))
		return false;
	if ((ra & POLLOUT) && !drain(pf, &c->ba, c->a))
		return false;
	finish_half(&c->ab, c->b);
	finish_half(&c->ba, c->a);
	return !(c->ab.shut && c->ba.shut);
}

static struct flow *find_flow(struct portfwd *pf, const struct listener *l,
			      const struct sockaddr_in *peer)
{
	for (size_t i = 0; i < pf->nf; i++)
		if (pf->f[i]->l == l && pf->f[i]->peer.sin_port == peer->sin_port &&
		    pf->f[i]->peer.sin_addr.s_addr == peer->sin_addr.s_addr)
			return pf->f[i];
	return NULL;
}

static void udp_in(struct portfwd *pf, struct listener *l)
{
	char buf[65536];
	for (int k = 0; k < 64; k++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		struct flow *f = find_flow(pf, l, &peer);
		if (!f) {
			/* Over the cap a new peer's datagrams are dropped; the
			 * peers known go on, and a slot frees when one goes quiet. */
			bool at_cap = l->n >= pf->max_peers;
			if (at_cap || fds_used(pf) + 1 > pf->fd_budget) {
				refused(l, at_cap, l->n);
				continue;
			}
			int fd = container_socket(pf, true, l->map->ctr_port);
			if (fd < 0)
				continue;
			f = xzalloc(sizeof(*f));
			f->l = l;
			f->peer = peer;
			f->fd = fd;
			l->n++;
			l->refusing = false;
			pf->f = xrealloc(pf->f, (pf->nf + 1) * sizeof(*pf->f));
			pf->f[pf->nf++] = f;
		}
		f->last = time(NULL);
		if (send(f->fd, buf, (size_t)n, MSG_DONTWAIT) < 0)
			log_debug("udp to the container: %s", strerror(errno));
	}
}

static void udp_out(struct flow *f)
{
	char buf[65536];
	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		f->last = time(NULL);
		sendto(f->l->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&f->peer,
		       sizeof(f->peer));
	}
}

size_t portfwd_npoll(const struct portfwd *pf)
{
	return pf ? pf->nl + 2 * pf->nc + pf->nf : 0;
}

static short want(const struct portfwd *pf, const struct half *in, const struct half *out,
		  bool connecting, bool is_b)
{
	short ev = 0;
	if (connecting)
		return is_b ? POLLOUT : 0;
	/* read side of this socket's outgoing half, when a pipe is at hand */
	if (!in->eof && !in->pending &&
	    (in->pipe[0] >= 0 || pf->npool || pf->npipes < pf->max_pipes))
		ev |= POLLIN;
	if (out->pending)
		ev |= POLLOUT; /* the other half has bytes for this socket */
	return ev;
}

size_t portfwd_pollfds(struct portfwd *pf, struct pollfd *pfd)
{
	size_t n = portfwd_npoll(pf), k = 0;
	if (!pf)
		return 0;
	pf->slots = xrealloc(pf->slots, (n ? n : 1) * sizeof(*pf->slots));
	for (size_t i = 0; i < pf->nl; i++) {
		pfd[k] = (struct pollfd){.fd = pf->l[i].fd, .events = POLLIN};
		pf->slots[k++] = (struct slot){SLOT_LISTENER, i};
	}
	for (size_t i = 0; i < pf->nc; i++) {
		struct conn *c = pf->c[i];
		pfd[k] = (struct pollfd){.fd = c->a,
					 .events = want(pf, &c->ab, &c->ba, c->connecting, false)};
		pf->slots[k++] = (struct slot){SLOT_CONN_A, i};
		pfd[k] = (struct pollfd){.fd = c->b,
					 .events = want(pf, &c->ba, &c->ab, c->connecting, true)};
		pf->slots[k++] = (struct slot){SLOT_CONN_B, i};
	}
	for (size_t i = 0; i < pf->nf; i++) {
		pfd[k] = (struct pollfd){.fd = pf->f[i]->fd, .events = POLLIN};
		pf->slots[k++] = (struct slot){SLOT_FLOW, i};
	}
	pf->nslots = k;
	return k;
}

void portfwd_handle(struct portfwd *pf, const struct pollfd *pfd, size_t n)
{
	if (!pf)
		return;
	size_t nc = pf->nc;
	bool *dead = nc ? xcalloc(nc, sizeof(bool)) : NULL;
	/* Connection slots come in pairs (a then b). */
	for (size_t k = 0; k < n && k < pf->nslots; k++) {
		const struct slot *s = &pf->slots[k];
		if (s->kind == SLOT_LISTENER && (pfd[k].revents & POLLIN)) {
			struct listener *l = &pf->l[s->idx];
			if (l->map->udp)
				udp_in(pf, l);
			else
				accept_tcp(pf, l);
		} else if (s->kind == SLOT_CONN_A && k + 1 < n && s->idx < nc) {
			short ra = pfd[k].revents, rb = pfd[k + 1].revents;
			if ((ra || rb) && !conn_step(pf, pf->c[s->idx], ra, rb))
				dead[s->idx] = true;
			k++;
		} else if (s->kind == SLOT_FLOW && (pfd[k].revents & POLLIN)) {
			udp_out(pf->f[s->idx]);
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < pf->nc; i++) {
		if (i < nc && dead[i])
			conn_free(pf, pf->c[i]);
		else
			pf->c[w++] = pf->c[i];
	}
	pf->nc = w;
	free(dead);
	/* UDP has no end: forget peers that went quiet. */
	time_t now = time(NULL);
	w = 0;
	for (size_t i = 0; i < pf->nf; i++) {
		if (now - pf->f[i]->last > UDP_IDLE_SECONDS) {
			pf->f[i]->l->n--;
			close(pf->f[i]->fd);
			free(pf->f[i]);
		} else {
			pf->f[w++] = pf->f[i];
		}
	}
	pf->nf = w;
}

int portfwd_timeout(const struct portfwd *pf)
{
	return pf && pf->nf ? 5000 : -1;
}

void portfwd_free(struct portfwd *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->nl; i++)
		close(pf->l[i].fd);
	for (size_t i = 0; i < pf->nc; i++)
		conn_free(pf, pf->c[i]);
	for (size_t i = 0; i < pf->npool; i++) {
		close(pf->pool[i][0]);
		close(pf->pool[i][1]);
	}
	if (pf->spare >= 0)
		close(pf->spare);
	for (size_t i = 0; i < pf->nf; i++) {
		close(pf->f[i]->fd);
		free(pf->f[i]);
	}
	if (pf->helper >= 0)
		close(pf->helper);
	if (pf->helper_pid > 0) {
		kill(pf->helper_pid, SIGKILL);
		waitpid(pf->helper_pid, NULL, 0);
	}
	free(pf->l);
	free(pf->c);
	free(pf->f);
	free(pf->slots);
	free(pf->pool);
	free(pf);
}
