/*
 * Run-time binding to libcurl: dlopen + dlsym on first use, never linked.
 * Function pointer types come from <curl/curl.h> through __typeof__, so a mismatch with the
 * real prototypes is a compile error here rather than a crash later.
 */
#define CURL_DISABLE_TYPECHECK 1
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CCURL_FN(name) static __typeof__(name) *p_##name

CCURL_FN(curl_global_init);
CCURL_FN(curl_version_info);
CCURL_FN(curl_easy_init);
CCURL_FN(curl_easy_cleanup);
CCURL_FN(curl_easy_setopt);
CCURL_FN(curl_easy_getinfo);
CCURL_FN(curl_easy_strerror);
CCURL_FN(curl_multi_init);
CCURL_FN(curl_multi_setopt);
CCURL_FN(curl_multi_add_handle);
CCURL_FN(curl_multi_remove_handle);
CCURL_FN(curl_multi_perform);
CCURL_FN(curl_multi_poll);
CCURL_FN(curl_multi_info_read);
CCURL_FN(curl_multi_strerror);
CCURL_FN(curl_slist_append);
CCURL_FN(curl_slist_free_all);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512] = "libcurl could not be loaded: not attempted";
static const curl_version_info_data *version_data;

static void do_load(void) {
    /* M365_LIBCURL names another libcurl (a diagnostic aid, and how the tests check the
     * error below); RTLD_LOCAL keeps libcurl's symbols out of the global namespace. Lazy
     * binding: libcurl pulls in some thirty libraries (Kerberos, LDAP, RTMP …) whose symbols
     * a request never calls; binding them all up front costs every command time. */
    const char *name = getenv("M365_LIBCURL");
    if (!name || !*name) name = "libcurl.so.4";
    void *lib = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(load_error, sizeof load_error, "libcurl could not be loaded: %s", e ? e : "unknown error");
        return;
    }
#define LOAD(name)                                                                                         \
    do {                                                                                                   \
        dlerror();                                                                                         \
        *(void **)(&p_##name) = dlsym(lib, #name);                                                         \
        if (!p_##name) {                                                                                   \
            const char *e = dlerror();                                                                     \
            snprintf(load_error, sizeof load_error, "libcurl could not be loaded: %s", e ? e : "missing " #name); \
            return;                                                                                        \
        }                                                                                                  \
    } while (0)
    LOAD(curl_global_init);
    LOAD(curl_version_info);
    LOAD(curl_easy_init);
    LOAD(curl_easy_cleanup);
    LOAD(curl_easy_setopt);
    LOAD(curl_easy_getinfo);
    LOAD(curl_easy_strerror);
    LOAD(curl_multi_init);
    LOAD(curl_multi_setopt);
    LOAD(curl_multi_add_handle);
    LOAD(curl_multi_remove_handle);
    LOAD(curl_multi_perform);
    LOAD(curl_multi_poll); /* libcurl >= 7.66.0 */
    LOAD(curl_multi_info_read);
    LOAD(curl_multi_strerror);
    LOAD(curl_slist_append);
    LOAD(curl_slist_free_all);
#undef LOAD
    CURLcode rc = p_curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl could not be loaded: curl_global_init failed (%s)",
                 p_curl_easy_strerror(rc));
        return;
    }
    version_data = p_curl_version_info(CURLVERSION_NOW);
    load_error[0] = '\0';
    load_status = 0;
}

int ccurl_load(void) {
    pthread_once(&load_once, do_load);
    return load_status;
}

const char *ccurl_load_error(void) {
    ccurl_load();
    return load_status == 0 ? NULL : load_error;
}

const char *ccurl_version(void) { return version_data ? version_data->version : NULL; }
const char *ccurl_ssl_version(void) { return version_data ? version_data->ssl_version : NULL; }
int ccurl_has_feature(int feature_bit) { return version_data ? (version_data->features & feature_bit) != 0 : 0; }

CURL *ccurl_easy_init(void) { return p_curl_easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { p_curl_easy_cleanup(handle); }

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return p_curl_easy_setopt(handle, option, callback);
}
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *handle, ccurl_xferinfo_callback callback) {
    return p_curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
CURLcode ccurl_easy_setopt_seek_callback(CURL *handle, ccurl_seek_callback callback) {
    return p_curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return p_curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return p_curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return p_curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    char *s = NULL;
    CURLcode rc = p_curl_easy_getinfo(handle, info, &s);
    *value = s;
    return rc;
}
const char *ccurl_easy_strerror(CURLcode code) { return p_curl_easy_strerror(code); }

CURLM *ccurl_multi_init(void) { return p_curl_multi_init(); }
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return p_curl_multi_setopt(multi, option, value);
}
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle) { return p_curl_multi_add_handle(multi, handle); }
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle) { return p_curl_multi_remove_handle(multi, handle); }
CURLMcode ccurl_multi_perform(CURLM *multi, int *running_handles) { return p_curl_multi_perform(multi, running_handles); }
CURLMcode ccurl_multi_poll(CURLM *multi, int timeout_ms, int *numfds) {
    return p_curl_multi_poll(multi, NULL, 0, timeout_ms, numfds);
}
const char *ccurl_multi_strerror(CURLMcode code) { return p_curl_multi_strerror(code); }

int ccurl_multi_info_read_done(CURLM *multi, CURL **handle, CURLcode *result) {
    int queued = 0;
    CURLMsg *msg;
    while ((msg = p_curl_multi_info_read(multi, &queued)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            *handle = msg->easy_handle;
            *result = msg->data.result;
            return 1;
        }
    }
    return 0;
}

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string) {
    return p_curl_slist_append(list, string);
}
void ccurl_slist_free_all(struct curl_slist *list) { p_curl_slist_free_all(list); }
