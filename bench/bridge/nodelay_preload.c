/* LD_PRELOAD shim for side_by_side.sh: sets TCP_NODELAY on every socket a server accepts.
 *
 * Why: zg-provider-sim (cpp-httplib's server with its defaults) leaves Nagle's algorithm on, so a
 * response written in two pieces (headers, then body) waits for the client's delayed ACK: about
 * 40 ms per request on Linux loopback. That would be the whole "direct" latency and would hide what
 * the bridge adds. Both sides of the comparison talk to the same simulator, so the shim changes no
 * ratio's meaning; it only takes the Nagle stall out of both. Not used by anything but the bench.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void no_delay(int fd) {
  if (fd >= 0) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); /* fails harmlessly on non-TCP sockets */
  }
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  static int (*real_accept)(int, struct sockaddr *, socklen_t *);
  if (!real_accept) real_accept = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
  int client = real_accept(fd, addr, len);
  no_delay(client);
  return client;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
  if (!real_accept4) real_accept4 = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
  int client = real_accept4(fd, addr, len, flags);
  no_delay(client);
  return client;
}
