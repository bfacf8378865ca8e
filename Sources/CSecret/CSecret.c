/*
 * Run-time binding to libsecret: dlopen + dlsym on first use, never linked (see CSecret.h).
 *
 * The glib and libsecret types below are declared here from their documented layouts
 * (glib/gerror.h, libsecret/secret-schema.h), so building needs no glib headers.
 */
#define _GNU_SOURCE
#include "CSecret.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* MARK: glib and libsecret declarations (ABI-compatible subsets). */

typedef int gboolean_t;
typedef unsigned int gquark_t;

typedef struct {
    gquark_t domain;
    int code;
    char *message;
} gerror_t;

typedef struct {
    const char *name;
    int type; /* SecretSchemaAttributeType: 0 = string */
} secret_schema_attribute_t;

typedef struct {
    const char *name;
    int flags; /* SecretSchemaFlags: 0 = none (match the schema name) */
    secret_schema_attribute_t attributes[32];
    int reserved;
    void *reserved1, *reserved2, *reserved3, *reserved4, *reserved5, *reserved6, *reserved7;
} secret_schema_t;

typedef unsigned int (*ghash_func_t)(const void *key);
typedef gboolean_t (*gequal_func_t)(const void *a, const void *b);

enum { G_BUS_TYPE_SESSION_VALUE = 2 };

static struct {
    gboolean_t (*password_storev_sync)(const secret_schema_t *, void *attributes, const char *collection,
                                       const char *label, const char *password, void *cancellable, gerror_t **error);
    char *(*password_lookupv_sync)(const secret_schema_t *, void *attributes, void *cancellable, gerror_t **error);
    gboolean_t (*password_clearv_sync)(const secret_schema_t *, void *attributes, void *cancellable, gerror_t **error);
    void (*password_free)(char *password);
    void *(*hash_table_new)(ghash_func_t, gequal_func_t);
    gboolean_t (*hash_table_insert)(void *table, void *key, void *value);
    void (*hash_table_unref)(void *table);
    ghash_func_t str_hash;
    gequal_func_t str_equal;
    void (*error_free)(gerror_t *error);
    /* Optional: cancellation of an abandoned call. */
    void *(*cancellable_new)(void);
    void (*cancellable_cancel)(void *cancellable);
    void (*object_unref)(void *object);
    /* Optional: naming the Secret Service provider. */
    void *(*bus_get_sync)(int bus_type, void *cancellable, gerror_t **error);
    void *(*dbus_connection_call_sync)(void *connection, const char *bus_name, const char *object_path,
                                       const char *interface_name, const char *method_name, void *parameters,
                                       const void *reply_type, int flags, int timeout_msec, void *cancellable,
                                       gerror_t **error);
    void *(*variant_new)(const char *format, ...);
    void (*variant_get)(void *value, const char *format, ...);
    void (*variant_unref)(void *value);
    /* Optional: keep the process alive when the session bus goes away. */
    void (*dbus_connection_set_exit_on_close)(void *connection, gboolean_t exit_on_close);
} lib;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded;

/* MARK: Small helpers. */

static char *copy_string(const char *text) {
    if (text == NULL) return NULL;
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy != NULL) memcpy(copy, text, length + 1);
    return copy;
}

static char *format_string(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = NULL;
    if (vasprintf(&text, format, args) < 0) text = NULL;
    va_end(args);
    return text;
}

static void wipe_and_free(char *text) {
    if (text == NULL) return;
    explicit_bzero(text, strlen(text));
    free(text);
}

void m365_secret_free(char *text) { wipe_and_free(text); }

static void set_error(char **error_out, char *message) {
    if (error_out != NULL) *error_out = message;
    else free(message);
}

int m365_secret_session_bus_configured(void) {
    const char *address = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (address != NULL && address[0] != '\0') return 1;
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime == NULL || runtime[0] == '\0') return 0;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/bus", runtime) >= (int)sizeof path) return 0;
    struct stat info;
    return stat(path, &info) == 0 && S_ISSOCK(info.st_mode);
}

/* MARK: Loading. */

static void do_load(void) {
    void *handle = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "libsecret is not available: %s",
                 why ? why : "dlopen(\"libsecret-1.so.0\") failed");
        return;
    }
    const char *missing = NULL;
    /* dlsym on the handle searches libsecret and the libraries it depends on (glib, gio). */
#define REQUIRE(field, symbol)                                              \
    do {                                                                    \
        *(void **)(&lib.field) = dlsym(handle, symbol);                     \
        if (lib.field == NULL && missing == NULL) missing = symbol;         \
    } while (0)
#define OPTIONAL(field, symbol) (*(void **)(&lib.field) = dlsym(handle, symbol))
    REQUIRE(password_storev_sync, "secret_password_storev_sync");
    REQUIRE(password_lookupv_sync, "secret_password_lookupv_sync");
    REQUIRE(password_clearv_sync, "secret_password_clearv_sync");
    REQUIRE(password_free, "secret_password_free");
    REQUIRE(hash_table_new, "g_hash_table_new");
    REQUIRE(hash_table_insert, "g_hash_table_insert");
    REQUIRE(hash_table_unref, "g_hash_table_unref");
    REQUIRE(str_hash, "g_str_hash");
    REQUIRE(str_equal, "g_str_equal");
    REQUIRE(error_free, "g_error_free");
    OPTIONAL(cancellable_new, "g_cancellable_new");
    OPTIONAL(cancellable_cancel, "g_cancellable_cancel");
    OPTIONAL(object_unref, "g_object_unref");
    OPTIONAL(bus_get_sync, "g_bus_get_sync");
    OPTIONAL(dbus_connection_call_sync, "g_dbus_connection_call_sync");
    OPTIONAL(variant_new, "g_variant_new");
    OPTIONAL(variant_get, "g_variant_get");
    OPTIONAL(variant_unref, "g_variant_unref");
    OPTIONAL(dbus_connection_set_exit_on_close, "g_dbus_connection_set_exit_on_close");
#undef REQUIRE
#undef OPTIONAL
    if (missing != NULL) {
        snprintf(load_error, sizeof load_error, "libsecret is not available: libsecret-1.so.0 lacks %s", missing);
        /* Keep the handle: unloading glib after it may have started threads is unsafe. */
        return;
    }
    if (lib.cancellable_new == NULL || lib.cancellable_cancel == NULL || lib.object_unref == NULL) {
        lib.cancellable_new = NULL;
    }
    loaded = 1;
}

static m365_secret_status ensure_loaded(char **error_out) {
    if (!m365_secret_session_bus_configured()) {
        set_error(error_out, copy_string("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and "
                                         "$XDG_RUNTIME_DIR/bus does not exist)"));
        return M365_SECRET_UNAVAILABLE;
    }
    pthread_once(&load_once, do_load);
    if (!loaded) {
        set_error(error_out, copy_string(load_error));
        return M365_SECRET_UNAVAILABLE;
    }
    return M365_SECRET_OK;
}

m365_secret_status m365_secret_load(char **error_out) { return ensure_loaded(error_out); }

/* MARK: Jobs: one keyring call on a helper thread, shared with the waiting caller. */

enum { MAX_ATTRIBUTES = 30 };
typedef enum { OP_STORE, OP_LOOKUP, OP_CLEAR, OP_PROBE } operation_t;

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int references; /* the caller and the worker; the last one frees */
    int done;
    operation_t operation;
    int timeout_ms;
    /* Inputs, owned by the job (the worker may outlive the caller's wait). */
    secret_schema_t schema;
    char *schema_name;
    char *names[MAX_ATTRIBUTES];
    char *values[MAX_ATTRIBUTES];
    size_t count;
    char *label;
    char *secret;
    void *cancellable;
    /* Outputs. */
    m365_secret_status status;
    char *result;
    char *provider;
    char *error;
} job_t;

static void job_release(job_t *job) {
    pthread_mutex_lock(&job->mutex);
    int remaining = --job->references;
    pthread_mutex_unlock(&job->mutex);
    if (remaining > 0) return;
    pthread_mutex_destroy(&job->mutex);
    pthread_cond_destroy(&job->cond);
    free(job->schema_name);
    for (size_t i = 0; i < job->count; i++) {
        free(job->names[i]);
        free(job->values[i]);
    }
    free(job->label);
    wipe_and_free(job->secret);
    wipe_and_free(job->result);
    free(job->provider);
    free(job->error);
    if (job->cancellable != NULL) lib.object_unref(job->cancellable);
    free(job);
}

static char *take_gerror(gerror_t *error, const char *fallback) {
    char *message = copy_string(error != NULL && error->message != NULL ? error->message : fallback);
    if (error != NULL) lib.error_free(error);
    return message;
}

/* The command name of the process owning org.freedesktop.secrets, or NULL. */
static char *provider_name(job_t *job) {
    if (lib.bus_get_sync == NULL || lib.dbus_connection_call_sync == NULL || lib.variant_new == NULL ||
        lib.variant_get == NULL || lib.variant_unref == NULL || lib.object_unref == NULL)
        return NULL;
    gerror_t *error = NULL;
    void *connection = lib.bus_get_sync(G_BUS_TYPE_SESSION_VALUE, job->cancellable, &error);
    if (connection == NULL) {
        if (error != NULL) lib.error_free(error);
        return NULL;
    }
    void *reply = lib.dbus_connection_call_sync(
        connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetConnectionUnixProcessID", lib.variant_new("(s)", "org.freedesktop.secrets"), NULL, 0,
        job->timeout_ms, job->cancellable, &error);
    lib.object_unref(connection);
    if (reply == NULL) {
        if (error != NULL) lib.error_free(error);
        return NULL;
    }
    unsigned int pid = 0;
    lib.variant_get(reply, "(u)", &pid);
    lib.variant_unref(reply);
    if (pid == 0) return NULL;
    /* argv[0] from /proc/<pid>/cmdline, without its directory (comm is cut at 15 bytes). */
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/cmdline", pid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return NULL;
    char command[512] = {0};
    size_t length = fread(command, 1, sizeof command - 1, file);
    fclose(file);
    command[length] = '\0';
    const char *slash = strrchr(command, '/');
    const char *name = slash != NULL ? slash + 1 : command;
    return name[0] != '\0' ? copy_string(name) : NULL;
}

/* GDBus's shared session connection (which libsecret uses) raises SIGTERM in the process when
 * the bus goes away; a CLI should report an error instead. Done once, on a job thread. */
static int exit_on_close_disabled;

static void disable_exit_on_close(job_t *job) {
    if (__atomic_load_n(&exit_on_close_disabled, __ATOMIC_ACQUIRE)) return;
    if (lib.bus_get_sync == NULL || lib.dbus_connection_set_exit_on_close == NULL || lib.object_unref == NULL) return;
    gerror_t *error = NULL;
    void *connection = lib.bus_get_sync(G_BUS_TYPE_SESSION_VALUE, job->cancellable, &error);
    if (connection == NULL) {
        if (error != NULL) lib.error_free(error);
        return;
    }
    lib.dbus_connection_set_exit_on_close(connection, 0);
    lib.object_unref(connection);
    __atomic_store_n(&exit_on_close_disabled, 1, __ATOMIC_RELEASE);
}

static void run_job(job_t *job) {
    disable_exit_on_close(job);
    void *attributes = lib.hash_table_new(lib.str_hash, lib.str_equal);
    for (size_t i = 0; i < job->count; i++) lib.hash_table_insert(attributes, job->names[i], job->values[i]);
    gerror_t *error = NULL;
    switch (job->operation) {
    case OP_STORE: {
        gboolean_t stored = lib.password_storev_sync(&job->schema, attributes, NULL, job->label, job->secret,
                                                     job->cancellable, &error);
        if (stored && error == NULL) job->status = M365_SECRET_OK;
        else {
            job->status = M365_SECRET_FAILED;
            job->error = take_gerror(error, "the Secret Service did not store the secret");
        }
        break;
    }
    case OP_LOOKUP:
    case OP_PROBE: {
        char *found = lib.password_lookupv_sync(&job->schema, attributes, job->cancellable, &error);
        if (error != NULL) {
            job->status = M365_SECRET_FAILED;
            job->error = take_gerror(error, NULL);
            if (found != NULL) lib.password_free(found);
        } else if (found == NULL) {
            job->status = M365_SECRET_NOT_FOUND;
        } else {
            job->status = M365_SECRET_OK;
            job->result = copy_string(found);
            lib.password_free(found);
        }
        if (job->operation == OP_PROBE && job->status != M365_SECRET_FAILED) {
            /* The service answered: that is what a probe proves, found or not. */
            wipe_and_free(job->result);
            job->result = NULL;
            job->status = M365_SECRET_OK;
            job->provider = provider_name(job);
        }
        break;
    }
    case OP_CLEAR: {
        gboolean_t removed = lib.password_clearv_sync(&job->schema, attributes, job->cancellable, &error);
        if (error != NULL) {
            job->status = M365_SECRET_FAILED;
            job->error = take_gerror(error, NULL);
        } else {
            job->status = removed ? M365_SECRET_OK : M365_SECRET_NOT_FOUND;
        }
        break;
    }
    }
    lib.hash_table_unref(attributes);
}

static void *job_thread(void *argument) {
    job_t *job = argument;
    run_job(job);
    pthread_mutex_lock(&job->mutex);
    job->done = 1;
    pthread_cond_signal(&job->cond);
    pthread_mutex_unlock(&job->mutex);
    job_release(job);
    return NULL;
}

static job_t *job_create(operation_t operation, const m365_secret_item *item, int timeout_ms, char **error_out) {
    if (item == NULL || item->schema_name == NULL || item->attribute_count > MAX_ATTRIBUTES ||
        (item->attribute_count > 0 && (item->attribute_names == NULL || item->attribute_values == NULL))) {
        set_error(error_out, copy_string("invalid Secret Service item"));
        return NULL;
    }
    for (size_t i = 0; i < item->attribute_count; i++) {
        if (item->attribute_names[i] == NULL || item->attribute_values[i] == NULL) {
            set_error(error_out, copy_string("invalid Secret Service attribute"));
            return NULL;
        }
    }
    job_t *job = calloc(1, sizeof *job);
    if (job == NULL) {
        set_error(error_out, copy_string("out of memory"));
        return NULL;
    }
    pthread_mutex_init(&job->mutex, NULL);
    pthread_condattr_t condattr;
    pthread_condattr_init(&condattr);
    pthread_condattr_setclock(&condattr, CLOCK_MONOTONIC);
    pthread_cond_init(&job->cond, &condattr);
    pthread_condattr_destroy(&condattr);
    job->references = 1;
    job->operation = operation;
    job->timeout_ms = timeout_ms;
    job->schema_name = copy_string(item->schema_name);
    job->schema.name = job->schema_name;
    job->schema.flags = 0;
    job->count = item->attribute_count;
    for (size_t i = 0; i < item->attribute_count; i++) {
        job->names[i] = copy_string(item->attribute_names[i]);
        job->values[i] = copy_string(item->attribute_values[i]);
        job->schema.attributes[i].name = job->names[i];
        job->schema.attributes[i].type = 0;
    }
    /* attributes[count] stays {NULL, 0}: the end of the list. */
    if (lib.cancellable_new != NULL) job->cancellable = lib.cancellable_new();
    return job;
}

static int effective_timeout(int timeout_ms) { return timeout_ms > 0 ? timeout_ms : 3000; }

/* Starts the job's thread and waits for it at most timeout_ms. Consumes the caller's reference. */
static m365_secret_status job_run(job_t *job, char **secret_out, char **provider_out, char **error_out) {
    int timeout_ms = effective_timeout(job->timeout_ms);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    job->references = 2;
    pthread_t thread;
    int started = pthread_create(&thread, &attributes, job_thread, job);
    pthread_attr_destroy(&attributes);
    if (started != 0) {
        job->references = 1;
        set_error(error_out, format_string("cannot start a thread for the keyring call: %s", strerror(started)));
        job_release(job);
        return M365_SECRET_INVALID;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }
    m365_secret_status status;
    pthread_mutex_lock(&job->mutex);
    while (!job->done) {
        int waited = pthread_cond_timedwait(&job->cond, &job->mutex, &deadline);
        if (waited == ETIMEDOUT) break;
    }
    if (job->done) {
        status = job->status;
        if (secret_out != NULL) {
            *secret_out = job->result;
            job->result = NULL;
        }
        if (provider_out != NULL) {
            *provider_out = job->provider;
            job->provider = NULL;
        }
        set_error(error_out, job->error);
        job->error = NULL;
    } else {
        status = M365_SECRET_TIMEOUT;
        /* Let the abandoned call end soon; the worker frees what it produces. */
        if (job->cancellable != NULL) lib.cancellable_cancel(job->cancellable);
        set_error(error_out, format_string("the keyring did not answer within %d ms", timeout_ms));
    }
    pthread_mutex_unlock(&job->mutex);
    job_release(job);
    return status;
}

/* MARK: Public entry points. */

m365_secret_status m365_secret_store(const m365_secret_item *item, const char *label, const char *secret,
                                     int timeout_ms, char **error_out) {
    if (error_out != NULL) *error_out = NULL;
    if (label == NULL || secret == NULL) {
        set_error(error_out, copy_string("invalid label or secret"));
        return M365_SECRET_INVALID;
    }
    m365_secret_status status = ensure_loaded(error_out);
    if (status != M365_SECRET_OK) return status;
    job_t *job = job_create(OP_STORE, item, timeout_ms, error_out);
    if (job == NULL) return M365_SECRET_INVALID;
    job->label = copy_string(label);
    job->secret = copy_string(secret);
    return job_run(job, NULL, NULL, error_out);
}

m365_secret_status m365_secret_lookup(const m365_secret_item *item, int timeout_ms, char **secret_out,
                                      char **error_out) {
    if (error_out != NULL) *error_out = NULL;
    if (secret_out == NULL) {
        set_error(error_out, copy_string("invalid output pointer"));
        return M365_SECRET_INVALID;
    }
    *secret_out = NULL;
    m365_secret_status status = ensure_loaded(error_out);
    if (status != M365_SECRET_OK) return status;
    job_t *job = job_create(OP_LOOKUP, item, timeout_ms, error_out);
    if (job == NULL) return M365_SECRET_INVALID;
    return job_run(job, secret_out, NULL, error_out);
}

m365_secret_status m365_secret_clear(const m365_secret_item *item, int timeout_ms, char **error_out) {
    if (error_out != NULL) *error_out = NULL;
    m365_secret_status status = ensure_loaded(error_out);
    if (status != M365_SECRET_OK) return status;
    job_t *job = job_create(OP_CLEAR, item, timeout_ms, error_out);
    if (job == NULL) return M365_SECRET_INVALID;
    return job_run(job, NULL, NULL, error_out);
}

m365_secret_status m365_secret_probe(const m365_secret_item *item, int timeout_ms, char **provider_out,
                                     char **error_out) {
    if (error_out != NULL) *error_out = NULL;
    if (provider_out != NULL) *provider_out = NULL;
    m365_secret_status status = ensure_loaded(error_out);
    if (status != M365_SECRET_OK) return status;
    job_t *job = job_create(OP_PROBE, item, timeout_ms, error_out);
    if (job == NULL) return M365_SECRET_INVALID;
    return job_run(job, NULL, provider_out, error_out);
}
