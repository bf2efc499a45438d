/*
 * Unix datagram sockets for effsup, which Node does not have: the syslog sender (datagrams to
 * /dev/log) and the sd_notify receiver (NOTIFY_SOCKET). Part of the spawner addon (spawner.c's
 * init calls dgram_define). Every call is non-blocking and reports failure as a negative errno,
 * never by throwing: a full socket buffer (-EAGAIN / -ENOBUFS) is the caller's to handle, and
 * readiness to receive is watched with the spawner's `watch` (a uv_poll_t on the fd).
 *
 * dgramSocket()                  → fd (AF_UNIX, SOCK_DGRAM, close-on-exec, non-blocking) | -errno
 * dgramBind(fd, path)            → 0 | -errno; also asks for the sender's credentials (SO_PASSCRED)
 * dgramSend(fd, path, bytes)     → bytes sent | -errno
 * dgramReceive(fd, buffer)       → [length, sender pid (0: unknown)] | -errno (-EAGAIN: none now)
 * The fd is closed by the caller (close(2), e.g. fs.closeSync).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#ifdef __linux__

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"

static napi_value number(napi_env env, int64_t value) {
  napi_value result;
  napi_create_int64(env, value, &result);
  return result;
}

/* Fill `address` from a JS string path; its length, or -ENAMETOOLONG / -EINVAL. */
static int path_arg(napi_env env, napi_value value, struct sockaddr_un *address, socklen_t *length) {
  size_t size;
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &size) != napi_ok) return -EINVAL;
  if (size == 0 || size >= sizeof address->sun_path) return -ENAMETOOLONG;
  napi_get_value_string_utf8(env, value, address->sun_path, sizeof address->sun_path, &size);
  *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + size + 1);
  return 0;
}

static napi_value dgram_socket(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  return number(env, fd < 0 ? -errno : fd);
}

static napi_value dgram_bind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  int64_t fd;
  struct sockaddr_un address;
  socklen_t length;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int64(env, args[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dgramBind takes an fd and a path");
    return NULL;
  }
  int r = path_arg(env, args[1], &address, &length);
  if (r < 0) return number(env, r);
  int on = 1;
  if (bind((int)fd, (struct sockaddr *)&address, length) < 0 ||
      setsockopt((int)fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) return number(env, -errno);
  return number(env, 0);
}

static napi_value dgram_send(napi_env env, napi_callback_info info) {
  size_t argc = 3, size;
  napi_value args[3];
  int64_t fd;
  void *data;
  napi_typedarray_type type;
  struct sockaddr_un address;
  socklen_t length;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_int64(env, args[0], &fd) != napi_ok ||
      napi_get_typedarray_info(env, args[2], &type, &size, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "dgramSend takes an fd, a path and a Uint8Array");
    return NULL;
  }
  int r = path_arg(env, args[1], &address, &length);
  if (r < 0) return number(env, r);
  ssize_t n;
  do n = sendto((int)fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&address, length);
  while (n < 0 && errno == EINTR);
  return number(env, n < 0 ? -errno : n);
}

static napi_value dgram_receive(napi_env env, napi_callback_info info) {
  size_t argc = 2, size;
  napi_value args[2], result;
  int64_t fd;
  void *data;
  napi_typedarray_type type;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int64(env, args[0], &fd) != napi_ok ||
      napi_get_typedarray_info(env, args[1], &type, &size, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "dgramReceive takes an fd and a Uint8Array");
    return NULL;
  }
  union {
    struct cmsghdr align;
    char buffer[CMSG_SPACE(sizeof(struct ucred))];
  } control;
  struct iovec io = { .iov_base = data, .iov_len = size };
  struct msghdr message = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
  ssize_t n;
  do n = recvmsg((int)fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return number(env, -errno);
  int64_t pid = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred credentials;
      memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
      pid = credentials.pid;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      /* a sender passed fds (sd_notify FDSTORE=1): effsup keeps none, so close them */
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        close(passed);
      }
    }
  }
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, number(env, n));
  napi_set_element(env, result, 1, number(env, pid));
  return result;
}

napi_status dgram_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "dgramSocket", NULL, dgram_socket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dgramBind", NULL, dgram_bind, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dgramSend", NULL, dgram_send, NULL, NULL, NULL, napi_enumerable, NULL },
    { "dgramReceive", NULL, dgram_receive, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

#endif
