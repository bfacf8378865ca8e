/*
 * CCurl: libcurl, loaded at run time.
 *
 * Nothing here links libcurl. The first call to ccurl_load() dlopen()s "libcurl.so.4" (or
 * the file named by $M365_LIBCURL),
 * resolves the functions below with dlsym() and runs curl_global_init once. Until then the
 * process pays nothing for libcurl (see docs/architecture.md).
 *
 * <curl/curl.h> is included only for its types and constants (CURLoption, CURLINFO,
 * CURLcode, curl_off_t, ...). Swift must call the ccurl_* wrappers, never the curl_*
 * declarations from that header: they are not linked and would fail at link time.
 *
 * The variadic curl_easy_setopt/curl_easy_getinfo/curl_multi_setopt are exposed as typed,
 * non-variadic wrappers so Swift can call them.
 */
#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>
#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads libcurl once (thread-safe). Returns 0 on success, -1 when libcurl or one of the
 * needed functions is missing, or curl_global_init failed; ccurl_load_error() then says why
 * ("libcurl could not be loaded: <dlerror>"). Every other function requires a successful load. */
int ccurl_load(void);
const char *ccurl_load_error(void);

/* curl_version_info(CURLVERSION_NOW) pieces. */
const char *ccurl_version(void);
const char *ccurl_ssl_version(void);
int ccurl_has_feature(int feature_bit); /* e.g. CURL_VERSION_HTTP2 */

/* Callback types, as libcurl calls them. */
typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata); /* write, header, read */
typedef int (*ccurl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
typedef int (*ccurl_seek_callback)(void *userdata, curl_off_t offset, int origin);

/* Easy interface. */
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/* Strings (copied by libcurl), curl_slist pointers and user-data pointers (not copied). */
CURLcode ccurl_easy_setopt_ptr(CURL *handle, CURLoption option, const void *value);
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *handle, ccurl_xferinfo_callback callback);
CURLcode ccurl_easy_setopt_seek_callback(CURL *handle, ccurl_seek_callback callback);
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ccurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
/* The string belongs to the handle; NULL when unset. */
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
const char *ccurl_easy_strerror(CURLcode code);

/* Multi interface. */
CURLM *ccurl_multi_init(void);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_perform(CURLM *multi, int *running_handles);
CURLMcode ccurl_multi_poll(CURLM *multi, int timeout_ms, int *numfds);
const char *ccurl_multi_strerror(CURLMcode code);
/* Reads the next CURLMSG_DONE message: returns 1 and fills *handle and *result, or 0 when
 * no message is left (other message kinds are skipped). */
int ccurl_multi_info_read_done(CURLM *multi, CURL **handle, CURLcode *result);

/* String lists. */
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string);
void ccurl_slist_free_all(struct curl_slist *list);

/* Values of libcurl macros that Swift cannot import (function-like or cast macros). */
static const size_t CCURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const size_t CCURL_READFUNC_PAUSE = CURL_READFUNC_PAUSE;
static const size_t CCURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const int CCURL_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
static const int CCURL_SEEKFUNC_FAIL = CURL_SEEKFUNC_FAIL;
static const int CCURL_SEEKFUNC_CANTSEEK = CURL_SEEKFUNC_CANTSEEK;
static const int CCURL_ERROR_SIZE = CURL_ERROR_SIZE;
static const long CCURL_HTTP_VERSION_2TLS = CURL_HTTP_VERSION_2TLS;
static const int CCURL_VERSION_HTTP2 = CURL_VERSION_HTTP2;
static const int CCURL_VERSION_LIBZ = CURL_VERSION_LIBZ;

#ifdef __cplusplus
}
#endif

#endif
