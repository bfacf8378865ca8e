/*
 * CSecret: the freedesktop Secret Service through libsecret, loaded at run time.
 *
 * Nothing here links libsecret or glib. The first call that needs the keyring dlopen()s
 * "libsecret-1.so.0" and resolves the few libsecret/glib functions it uses with dlsym(); until
 * then the process pays nothing for them (docs/architecture.md). No glib header is
 * needed to build this target: the handful of glib/libsecret types used are declared in
 * CSecret.c with their documented layouts.
 *
 * Every keyring call runs on a helper thread and the caller waits at most `timeout_ms`
 * milliseconds, so a missing, locked or hung keyring never hangs the caller: on timeout the
 * call is cancelled (GCancellable) and abandoned, and the result is M365_SECRET_TIMEOUT.
 *
 * All strings are UTF-8. Items are stored with a schema whose attributes are all strings
 * (the names given in `attribute_names`, at most 30), in the default collection.
 */
#ifndef CSECRET_H
#define CSECRET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /* Done. For a lookup, *secret_out holds the secret. */
    M365_SECRET_OK = 0,
    /* Lookup: nothing matched. Clear: nothing matched, so nothing was removed. */
    M365_SECRET_NOT_FOUND = 1,
    /* No session bus, or libsecret (or a function of it) could not be loaded. */
    M365_SECRET_UNAVAILABLE = 2,
    /* The keyring did not answer within the timeout. */
    M365_SECRET_TIMEOUT = 3,
    /* The Secret Service (or D-Bus) reported an error; the message says which. */
    M365_SECRET_FAILED = 4,
    /* Bad arguments (NULL pointers, too many attributes, thread creation failed). */
    M365_SECRET_INVALID = 5,
} m365_secret_status;

/* The shape of an item: the schema name (e.g. "io.m365.Token") and its string attributes. */
typedef struct {
    const char *schema_name;
    const char *const *attribute_names;
    const char *const *attribute_values;
    size_t attribute_count;
} m365_secret_item;

/* Whether a D-Bus session bus is configured: DBUS_SESSION_BUS_ADDRESS is set, or
 * $XDG_RUNTIME_DIR/bus is a socket (GDBus uses both). Without one libsecret would try to
 * autolaunch a bus, which is never wanted: every call below then returns
 * M365_SECRET_UNAVAILABLE without loading libsecret. Returns 1 or 0. */
int m365_secret_session_bus_configured(void);

/* Loads libsecret (once; thread-safe). Returns M365_SECRET_OK or M365_SECRET_UNAVAILABLE with
 * *error_out = "libsecret is not available: <why>" (free it with m365_secret_free). */
m365_secret_status m365_secret_load(char **error_out);

/* Stores `secret` under the item's attributes with `label`, replacing an item with the same
 * attributes. On failure *error_out gets a message (free with m365_secret_free). */
m365_secret_status m365_secret_store(const m365_secret_item *item, const char *label,
                                     const char *secret, int timeout_ms, char **error_out);

/* Looks up the secret stored under the item's attributes. M365_SECRET_OK sets *secret_out
 * (free it with m365_secret_free, which wipes it); M365_SECRET_NOT_FOUND when none. */
m365_secret_status m365_secret_lookup(const m365_secret_item *item, int timeout_ms,
                                      char **secret_out, char **error_out);

/* Removes every item stored under the item's attributes. M365_SECRET_NOT_FOUND when there
 * was none. */
m365_secret_status m365_secret_clear(const m365_secret_item *item, int timeout_ms, char **error_out);

/* A cheap lookup (nothing is expected to match) that proves a Secret Service answers, then
 * (best effort) the name of the process that owns org.freedesktop.secrets on the bus, e.g.
 * "gnome-keyring-d" (/proc/<pid>/comm), in *provider_out (may stay NULL). */
m365_secret_status m365_secret_probe(const m365_secret_item *item, int timeout_ms,
                                     char **provider_out, char **error_out);

/* Frees (and first wipes) a string returned by this module. NULL is fine. */
void m365_secret_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* CSECRET_H */
