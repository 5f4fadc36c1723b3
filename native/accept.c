/*
 * Accept-path helpers for the sync worker class (see src/worker-class/ and docs/architecture.md).
 *
 * The accept waiter lets an idle sync worker take connections the way gunicorn's sync worker
 * does, without the listening socket ever entering libuv's epoll (where every idle worker would
 * be woken for each connection). A uv_prepare handle runs right before libuv's own poll; there
 * the worker blocks in epoll_wait on a private epoll fd holding
 *   - each listening socket with EPOLLEXCLUSIVE: the task waits on it directly, so the kernel
 *     wakes one idle worker per connection (it does not honour exclusivity through a nested
 *     epoll watched by the loop), and a busy worker, not waiting, takes nothing;
 *   - libuv's backend epoll fd, non-exclusive: IPC, signals, connections already held.
 * The timeout is the one libuv itself would use (uv_backend_timeout, computed in the same
 * phase), so timers and pending immediates run on time and an idle worker never spins. On a
 * connection we accept4() one, hand its fd to JS and let the loop run a turn; on a libuv event
 * we return and libuv's poll finds it ready. One waiter per process (a worker has one loop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include "addon.h"

#define MAX_LISTENERS 64
#define BACKEND_TAG UINT64_MAX

/* dupCloexec(fd): a second descriptor for the same socket, close-on-exec. */
static napi_value dup_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dupCloexec(fd: number)");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return tsgun_throw_errno(env, errno, "fcntl");
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

struct waiter {
  napi_env env;
  uv_loop_t *loop;
  uv_prepare_t prepare;
  napi_ref callback;
  napi_async_context context;
  int epfd;
  int fds[MAX_LISTENERS];
  int count;
  int started; /* acceptStart succeeded and acceptStop not called */
  int waiting; /* prepare handle running (not paused) */
};

static struct waiter w = {.epfd = -1};

static void deliver(int fd, int index) {
  napi_env env = w.env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    close(fd);
    return;
  }
  napi_value cb, recv, argv[2], ignored;
  napi_get_reference_value(env, w.callback, &cb);
  napi_get_global(env, &recv); /* napi_make_callback wants an object receiver */
  napi_create_int32(env, fd, &argv[0]);
  napi_create_int32(env, index, &argv[1]);
  if (napi_make_callback(env, w.context, recv, cb, 2, argv, &ignored) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

/* A connection already pending on some listener, taken without waiting; -1 when none. */
static int take_pending(int *index) {
  for (int i = 0; i < w.count; i++) {
    int fd = accept4(w.fds[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      *index = i;
      return fd;
    }
  }
  return -1;
}

static void on_prepare(uv_prepare_t *handle) {
  (void)handle;
  struct epoll_event events[MAX_LISTENERS + 1];
  /* Like gunicorn's sync loop: a worker that just finished takes what is pending before it
     sleeps. The kernel wakes sleepers in a fixed order, so without this every idle worker in
     turn would take one connection and serve it with cold caches. */
  int index = 0;
  int pending = take_pending(&index);
  if (pending >= 0) {
    deliver(pending, index);
    return;
  }
  int timeout = uv_backend_timeout(w.loop);
  for (;;) {
    int n = epoll_wait(w.epfd, events, MAX_LISTENERS + 1, timeout);
    if (n <= 0) break; /* timeout (timers are due) or EINTR (libuv's signal pipe is now readable) */
    int loop_event = 0;
    for (int i = 0; i < n; i++) {
      uint64_t tag = events[i].data.u64;
      if (tag == BACKEND_TAG) {
        loop_event = 1;
        continue;
      }
      int fd = accept4(w.fds[tag], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) continue; /* EAGAIN: a sibling took it; ECONNABORTED and the like: nothing to take */
      uv_update_time(w.loop);
      deliver(fd, (int)tag);
      return;
    }
    if (loop_event) break;
    /* Only lost races: wait again for what is left of libuv's timeout. */
    uv_update_time(w.loop);
    timeout = uv_backend_timeout(w.loop);
  }
  /* libuv computes its own poll timeout after this callback, from loop time: bring it up to date
     so the time spent blocked here is not waited a second time. */
  uv_update_time(w.loop);
}

static void set_waiting(int on) {
  if (on && !w.waiting) {
    uv_prepare_start(&w.prepare, on_prepare);
    w.waiting = 1;
  } else if (!on && w.waiting) {
    uv_prepare_stop(&w.prepare);
    w.waiting = 0;
  }
}

static int add_fd(int fd, uint32_t events, uint64_t tag) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u64 = tag;
  return epoll_ctl(w.epfd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * acceptStart(fds: number[], backlog: number, onConnection: (fd, index) => void): listen(2) on
 * each socket (the master binds without listening), make it non-blocking and start waiting.
 */
static napi_value accept_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  uint32_t count = 0;
  int32_t backlog = 0;
  napi_valuetype type;
  bool is_array = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || count == 0 || count > MAX_LISTENERS ||
      napi_get_value_int32(env, argv[1], &backlog) != napi_ok || napi_typeof(env, argv[2], &type) != napi_ok ||
      type != napi_function) {
    napi_throw_type_error(env, NULL, "acceptStart(fds: number[] (1..64), backlog: number, onConnection: function)");
    return NULL;
  }
  if (w.started) {
    napi_throw_error(env, NULL, "acceptStart: already started");
    return NULL;
  }
  int fds[MAX_LISTENERS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, argv[0], i, &item);
    if (napi_get_value_int32(env, item, &fds[i]) != napi_ok || fds[i] < 0) {
      napi_throw_type_error(env, NULL, "acceptStart: fds must be descriptors");
      return NULL;
    }
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "acceptStart: no event loop");
    return NULL;
  }
  int backend = uv_backend_fd(loop);
  if (backend < 0) {
    napi_throw_error(env, NULL, "acceptStart: the event loop has no backend fd");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    int flags = fcntl(fds[i], F_GETFL);
    if (flags < 0 || fcntl(fds[i], F_SETFL, flags | O_NONBLOCK) < 0) return tsgun_throw_errno(env, errno, "fcntl");
    if (listen(fds[i], backlog) < 0) return tsgun_throw_errno(env, errno, "listen");
  }
  w.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (w.epfd < 0) return tsgun_throw_errno(env, errno, "epoll_create1");
  for (uint32_t i = 0; i < count; i++) {
    if (add_fd(fds[i], EPOLLIN | EPOLLEXCLUSIVE, i) < 0) {
      int err = errno;
      close(w.epfd);
      w.epfd = -1;
      return tsgun_throw_errno(env, err, "epoll_ctl");
    }
    w.fds[i] = fds[i];
  }
  if (add_fd(backend, EPOLLIN, BACKEND_TAG) < 0) {
    int err = errno;
    close(w.epfd);
    w.epfd = -1;
    return tsgun_throw_errno(env, err, "epoll_ctl");
  }
  napi_value name;
  napi_create_string_utf8(env, "tsgun:accept", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w.context);
  napi_create_reference(env, argv[2], 1, &w.callback);
  w.env = env;
  w.loop = loop;
  w.count = (int)count;
  uv_prepare_init(loop, &w.prepare);
  uv_unref((uv_handle_t *)&w.prepare); /* waiting for connections alone keeps nothing alive */
  w.started = 1;
  set_waiting(1);
  return NULL;
}

/* acceptPause(paused: boolean): a busy worker does not wait, so the kernel gives it nothing. */
static napi_value accept_pause(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool paused = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_bool(env, argv[0], &paused) != napi_ok) {
    napi_throw_type_error(env, NULL, "acceptPause(paused: boolean)");
    return NULL;
  }
  if (w.started) set_waiting(!paused);
  return NULL;
}

static void on_closed(uv_handle_t *handle) {
  (void)handle;
}

/* acceptStop(): stop waiting for good; the listening fds stay open (the caller closes them). */
static napi_value accept_stop(napi_env env, napi_callback_info info) {
  (void)info;
  if (!w.started) return NULL;
  set_waiting(0);
  uv_close((uv_handle_t *)&w.prepare, on_closed);
  close(w.epfd);
  w.epfd = -1;
  napi_delete_reference(env, w.callback);
  napi_async_destroy(env, w.context);
  w.started = 0;
  return NULL;
}

static void define(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

void tsgun_register_accept(napi_env env, napi_value exports) {
  define(env, exports, "dupCloexec", dup_cloexec);
  define(env, exports, "acceptStart", accept_start);
  define(env, exports, "acceptPause", accept_pause);
  define(env, exports, "acceptStop", accept_stop);
}
