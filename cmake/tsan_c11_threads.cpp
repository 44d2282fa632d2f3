// Compiled into every target of a ThreadSanitizer build, and only there (CMakeLists.txt adds it
// when EVENTSINK_SANITIZERS names "thread").
//
// librdkafka uses C11 threads: thrd_create, mtx_lock, cnd_wait and the rest. GCC 12's
// ThreadSanitizer intercepts the pthread functions but not these, so without help
//   - librdkafka's threads run without ThreadSanitizer's per-thread state and crash at their
//     first intercepted call (getaddrinfo, malloc);
//   - librdkafka's locking is invisible, so every hand-over through its queues (a record's opaque
//     pointer going to the delivery report's thread, say) looks like a data race in our code.
// The definitions below, in the executable, take precedence over glibc's for librdkafka's calls
// and forward each to its intercepted pthread counterpart — which is exactly what glibc's own
// implementation calls, on the same objects: a thrd_t is a pthread_t, and mtx_t, cnd_t and
// once_flag have the layout of pthread_mutex_t, pthread_cond_t and pthread_once_t.
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <memory>

#include <pthread.h>
#include <threads.h>

namespace {

struct ThreadStart {
  thrd_start_t function;
  void* argument;
};

void* run_thread(void* raw_start) {
  const std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(raw_start));
  const int result = start->function(start->argument);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(result));
}

int thread_result(int pthread_error) {
  switch (pthread_error) {
    case 0:
      return thrd_success;
    case ENOMEM:
      return thrd_nomem;
    case EBUSY:
      return thrd_busy;
    case ETIMEDOUT:
      return thrd_timedout;
    default:
      return thrd_error;
  }
}

pthread_mutex_t* native(mtx_t* mutex) {
  return reinterpret_cast<pthread_mutex_t*>(mutex);
}
pthread_cond_t* native(cnd_t* condition) {
  return reinterpret_cast<pthread_cond_t*>(condition);
}

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto start = std::make_unique<ThreadStart>(ThreadStart{function, argument});
  const int error = pthread_create(thread, nullptr, &run_thread, start.get());
  if (error == 0) {
    start.release();  // the thread owns it now
  }
  return thread_result(error);
}

int thrd_join(thrd_t thread, int* result) {
  void* returned = nullptr;
  const int error = pthread_join(thread, &returned);
  if (error == 0 && result != nullptr) {
    *result = static_cast<int>(reinterpret_cast<std::intptr_t>(returned));
  }
  return thread_result(error);
}

int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) {
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  }
  const int error = pthread_mutex_init(native(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return thread_result(error);
}

int mtx_lock(mtx_t* mutex) {
  return thread_result(pthread_mutex_lock(native(mutex)));
}
int mtx_unlock(mtx_t* mutex) {
  return thread_result(pthread_mutex_unlock(native(mutex)));
}
void mtx_destroy(mtx_t* mutex) {
  pthread_mutex_destroy(native(mutex));
}

int cnd_init(cnd_t* condition) {
  return thread_result(pthread_cond_init(native(condition), nullptr));
}
int cnd_signal(cnd_t* condition) {
  return thread_result(pthread_cond_signal(native(condition)));
}
int cnd_broadcast(cnd_t* condition) {
  return thread_result(pthread_cond_broadcast(native(condition)));
}
int cnd_wait(cnd_t* condition, mtx_t* mutex) {
  return thread_result(pthread_cond_wait(native(condition), native(mutex)));
}
int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* deadline) {
  return thread_result(pthread_cond_timedwait(native(condition), native(mutex), deadline));
}
void cnd_destroy(cnd_t* condition) {
  pthread_cond_destroy(native(condition));
}

void call_once(once_flag* flag, void (*function)()) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}

}  // extern "C"
