/*
 * m365_plugin.h — the stable C ABI between the m365 host and its service plugins.
 *
 * ABI version 1.1 (1.1 appended m365_host.connection_set and the descriptor's
 * "connectOptions"; a 1.0 plugin runs unchanged). This header is the whole contract: a plugin includes it, exports one
 * function (m365_plugin_entry) and never links against the host. docs/plugin-abi.md teaches
 * how to write a plugin; the rules below are normative.
 *
 * Rules
 *  1. One exported symbol: `const m365_plugin *m365_plugin_entry(void)`. Hide everything else
 *     (a linker version script), so two plugins never clash.
 *  2. Every top-level struct starts with abi_major, abi_minor, struct_size. The host refuses
 *     another major, accepts any minor, and reads only the bytes a struct declares: fields past
 *     struct_size count as NULL / 0. Structs grow by appending; a field never changes. A changed
 *     signature gets a new name with a _v2 suffix.
 *  3. Optional features are extensions found by a namespaced, revisioned string id
 *     ("vendor.feature/1"); NULL means unsupported. The host offers none yet.
 *  4. Strings are UTF-8 and NUL-terminated; bytes travel as (pointer, length). Rich data
 *     (descriptors, options, results, HTTP headers) is JSON with the schemas in docs/plugin-abi.md.
 *  5. Whoever allocates frees, through its own free function: host_free() for what the host
 *     returns, the plugin's own code for what it owns. Borrowed pointers are valid only for the
 *     duration stated on each function.
 *  6. Fallible functions return an m365_status (int32_t) from the closed set below; the message
 *     of the last failure on a call is available from host->last_error().
 *  7. Threads: [main] = only the thread that called run(); [any] = any thread, concurrently.
 *     The host calls init, run and deinit on its main thread, never concurrently.
 *  8. Plugins are never unloaded (dlclose is never called): Swift code cannot be unloaded safely.
 *     deinit is a logical shutdown.
 */
#ifndef M365_PLUGIN_H
#define M365_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define M365_ABI_MAJOR 1
#define M365_ABI_MINOR 3

/* The name of the one symbol every plugin exports. */
#define M365_PLUGIN_ENTRY_SYMBOL "m365_plugin_entry"

/* ---------------------------------------------------------------------------------------- */
/* Status codes (closed set). New codes are only ever appended; treat unknown ones as ERROR. */

typedef int32_t m365_status;

#define M365_OK                    0  /* success */
#define M365_ERROR                 1  /* the command failed; the message says why */
#define M365_ERR_INVALID_ARGUMENT  2  /* bad input: an option value, a malformed request */
#define M365_ERR_NOT_SUPPORTED     3  /* this host or plugin does not offer that function */
#define M365_ERR_NOT_FOUND         4  /* a resource, key or command does not exist */
#define M365_ERR_AUTH_REQUIRED     5  /* no connection, or the sign-in expired: run m365 login */
#define M365_ERR_FORBIDDEN         6  /* signed in, but not allowed */
#define M365_ERR_NETWORK           7  /* DNS, TLS, connection or timeout failure */
#define M365_ERR_THROTTLED         8  /* still throttled after the bounded retries */
#define M365_ERR_SERVER            9  /* the service answered with an error it did not explain */
#define M365_ERR_CANCELLED        10  /* the user pressed Ctrl-C (or the host cancelled) */
#define M365_ERR_IO               11  /* a local file could not be read or written */
#define M365_ERR_INTERNAL         12  /* a bug: something that should not happen did */

/* Log levels for host->log(). The host shows DEBUG only with --debug, VERBOSE with --verbose. */
#define M365_LOG_DEBUG    0
#define M365_LOG_VERBOSE  1
#define M365_LOG_INFO     2
#define M365_LOG_WARNING  3
#define M365_LOG_ERROR    4

/* Flags for m365_http_request.flags. */
#define M365_HTTP_NO_AUTH     (1u << 0) /* send no Authorization header */
#define M365_HTTP_IDEMPOTENT  (1u << 1) /* may be replayed even after the server saw it (PUT/DELETE are by default) */
#define M365_HTTP_NO_RETRY    (1u << 2) /* never retry, not even on 429 */
#define M365_HTTP_PROGRESS    (1u << 3) /* show transfer progress on a terminal */

/* Flags for host->prompt(). */
#define M365_PROMPT_SECRET   (1u << 0) /* do not echo the answer */
#define M365_PROMPT_CONFIRM  (1u << 1) /* a yes/no question; the answer is "true" or "false" */

/* Every top-level struct begins with this header. */
typedef struct m365_header {
    uint32_t abi_major;   /* M365_ABI_MAJOR the struct was built against */
    uint32_t abi_minor;   /* M365_ABI_MINOR the struct was built against */
    uint32_t struct_size; /* sizeof the struct as built; the reader ignores bytes past it */
} m365_header;

#define M365_HEADER_INIT(type) { M365_ABI_MAJOR, M365_ABI_MINOR, (uint32_t)sizeof(type) }

/* Reads a versioned struct the other side built, as rule 2 says: copies only the bytes it
 * declares (at most dst_size) into dst and zero-fills the rest, so fields it does not have read
 * as NULL/0. Returns 0 (and copies nothing) when src is NULL, of another major, or declares
 * less than its header. Both sides use it; it is code in this header, not an exported symbol. */
static inline int m365_read_versioned(void *dst, size_t dst_size, const void *src) {
    const m365_header *header = (const m365_header *)src;
    unsigned char *out = (unsigned char *)dst;
    size_t i, count;
    if (src == NULL || header->abi_major != M365_ABI_MAJOR || header->struct_size < sizeof(m365_header)) return 0;
    count = header->struct_size < dst_size ? header->struct_size : dst_size;
    for (i = 0; i < count; i++) out[i] = ((const unsigned char *)src)[i];
    for (; i < dst_size; i++) out[i] = 0;
    return 1;
}

/* An invocation of one command. Opaque; owned by the host; valid from the start of
 * m365_plugin.run() until it returns. Every host function that acts for a command takes it. */
typedef struct m365_call m365_call;

/* ---------------------------------------------------------------------------------------- */
/* HTTP through the host: sign-in, tokens, retries, proxies, TLS and --debug tracing included. */

typedef struct m365_http_request {
    m365_header header;
    const char *method;       /* "GET", "POST", …; borrowed for the duration of http_send */
    const char *url;          /* absolute https URL */
    const char *resource;     /* token audience; NULL = the URL's origin (e.g. https://contoso.sharepoint.com) */
    const char *headers_json; /* NULL or a JSON object {"Name": "value", …} */
    const uint8_t *body;      /* request body, or NULL */
    size_t body_len;
    /* Streaming upload: when read_body is set, body/body_len are ignored and the host pulls the
     * body: read_body fills at most cap bytes into buf and returns the count, 0 at the end, or
     * (size_t)-1 to abort. body_size is the total length, or -1 if unknown. [main] */
    int64_t body_size;
    size_t (*read_body)(void *user, uint8_t *buf, size_t cap);
    /* Streaming download: when write_body is set, the response body is handed over in pieces
     * and is not buffered; return 0 to continue, non-zero to abort the transfer. [main] */
    int32_t (*write_body)(void *user, const uint8_t *data, size_t len);
    void *user;               /* passed back to read_body / write_body */
    uint32_t flags;           /* M365_HTTP_* */
} m365_http_request;

typedef struct m365_http_response {
    m365_header header;
    int32_t status;           /* HTTP status code */
    const char *headers_json; /* JSON object of response headers, names lower-cased */
    const uint8_t *body;      /* the body (NULL when streamed to write_body) */
    size_t body_len;
} m365_http_response;

/* ---------------------------------------------------------------------------------------- */
/* The host table: everything a plugin may ask of the host. Static for the process lifetime. */

typedef struct m365_host {
    m365_header header;
    const char *host_name;    /* "m365" */
    const char *host_version; /* semver of the host */

    /* Look up an optional host feature by id ("vendor.feature/1"; this host offers none yet,
     * so it answers NULL). Returns a pointer to a
     * static table, or NULL when unsupported. [any] */
    const void *(*get_extension)(const struct m365_host *host, const char *id);

    /* Free anything the host returned to the plugin (strings, responses' memory is separate). [any] */
    void (*host_free)(void *ptr);

    /* The message of the last failed host call made for this call, or "" (never NULL) — borrowed,
     * valid until the next host call on the same call. [main] */
    const char *(*last_error)(m365_call *call);

    /* A line for people on stderr, filtered by --debug / --verbose. message is borrowed. [main]
     * (It shares the terminal with results and progress, which are written from the main thread.) */
    void (*log)(m365_call *call, int32_t level, const char *message);

    /* Emit the command's result: one complete JSON value. The host applies --query and
     * --output. Call at most once, and not together with emit_item. json is borrowed. [main] */
    m365_status (*emit_result)(m365_call *call, const char *json, size_t len);

    /* Emit one element of a result list as it arrives (streaming: long lists are never held
     * in memory when the output format allows). The result is the array of all items, in order.
     * A command that emits nothing prints nothing, so a list command that found no items emits
     * the result "[]". json is borrowed. [main] */
    m365_status (*emit_item)(m365_call *call, const char *json, size_t len);

    /* Report progress of long work (shown on a terminal only). total < 0: unknown. label is
     * borrowed. [main] */
    void (*progress)(m365_call *call, const char *label, int64_t done, int64_t total);

    /* Ask the user. Fails with M365_ERR_NOT_SUPPORTED without a terminal. *answer is
     * host-allocated: release it with host_free. [main] */
    m365_status (*prompt)(m365_call *call, const char *question, uint32_t flags, char **answer);

    /* Read a CLI setting (m365 cli config) or a plugin setting "<service>.<key>". Keys under
     * "connection." are read-only facts about the service's active connection: graphOrigin,
     * cloud, tenantId, appId, identityName, authType, isAppOnly ("true"/"false"), spoUrl
     * (M365_ERR_AUTH_REQUIRED without a connection). "invocation.output" is this run's output
     * mode: json, text, csv, md or none. *value is host-allocated (host_free);
     * M365_ERR_NOT_FOUND when unset. [main] */
    m365_status (*config_get)(m365_call *call, const char *key, char **value);

    /* Per-connection state a plugin keeps for itself (e.g. the discovered SharePoint URL):
     * read and write a string under key, namespaced by plugin and connection. value NULL deletes.
     * *value is host-allocated (host_free); M365_ERR_NOT_FOUND when unset. [main] */
    m365_status (*state_get)(m365_call *call, const char *key, char **value);
    m365_status (*state_set)(m365_call *call, const char *key, const char *value);

    /* An access token for resource (an origin such as "https://graph.microsoft.com"), from the
     * active connection of the plugin's service; refreshed as needed. Prefer http_send, which
     * adds it. *token is host-allocated (host_free). [main] */
    m365_status (*get_access_token)(m365_call *call, const char *resource, char **token);

    /* Send an HTTP request with authentication, retries and tracing. On M365_OK *response is
     * host-owned (any status code, 4xx/5xx included); release it with http_response_free.
     * With write_body set, a 2xx body is streamed to it and response->body is NULL; other
     * statuses keep their (error) body in the response. Headers that repeat are joined with ", ".
     * A token is only ever sent over https (or to a loopback host). Do not call http_send from
     * inside read_body or write_body. Fails with M365_ERR_NETWORK, M365_ERR_AUTH_REQUIRED,
     * M365_ERR_CANCELLED, M365_ERR_INVALID_ARGUMENT. [main] */
    m365_status (*http_send)(m365_call *call, const m365_http_request *request,
                             m365_http_response **response);
    void (*http_response_free)(m365_call *call, m365_http_response *response);

    /* Non-zero once the user pressed Ctrl-C (or m365 received SIGTERM or SIGHUP); long loops poll
     * it and return M365_ERR_CANCELLED. [any] */
    int32_t (*is_cancelled)(m365_call *call);

    /* ---- ABI 1.1 (check header.struct_size before use) ---------------------------------- */

    /* Publish a fact about the connection the plugin's service uses (a URL it discovered, a
     * tag the user chose at connect): stored with the connection, never a secret, read back by
     * any plugin as config_get("connection.<key>"). key: letters and digits; value NULL deletes.
     * Both borrowed. M365_ERR_AUTH_REQUIRED without a connection. [main] */
    m365_status (*connection_set)(m365_call *call, const char *key, const char *value);

    /* ---- ABI 1.2 (check header.struct_size before use) ---------------------------------- */

    /* Start sending a GET in the background and return at once: the next http_send of the same
     * request (method, url, resource, headers_json and flags alike) takes its answer, waiting for
     * it if it has not arrived, instead of sending it again. Meant for the next page of a list,
     * asked for before the current page is emitted, so the service works while the plugin and
     * the output do. Only a GET without a body, or (hosts of ABI 1.3 and later) a POST flagged
     * M365_HTTP_IDEMPOTENT whose body is in memory (a read query, e.g. CSOM's next page; the
     * body is copied and is part of "the same request"), never with body callbacks; a 1.2 host
     * refuses the POST, which is harmless: http_send then sends it. One per call at a time (asking
     * for another drops the one not taken). A request asked for is sent even if it is never
     * taken: ask only for what will be needed. Sign-in, retries and tracing as http_send; a
     * failure of the transfer is reported by the http_send that takes it. Returns
     * M365_ERR_INVALID_ARGUMENT for any other request, and what http_send returns when there is
     * no connection. request is borrowed for the call. [main] */
    m365_status (*http_prefetch)(m365_call *call, const m365_http_request *request);
} m365_host;

/* ---------------------------------------------------------------------------------------- */
/* The plugin table, returned by m365_plugin_entry(). Static and const for the process lifetime. */

typedef struct m365_plugin {
    m365_header header;
    const char *id;          /* reverse DNS, e.g. "com.example.widgets" */
    const char *name;        /* display name */
    const char *version;     /* semver of the plugin */
    const char *vendor;      /* who ships it */

    /* The static description of the plugin's services and commands: a JSON document following
     * the descriptor schema (docs/plugin-abi.md). Side-effect free; the host reads it without
     * calling init. */
    const char *descriptor_json;

    /* Called once before the first run, with the host table (static, valid for the process) and
     * the path of the plugin file. Return M365_OK or a status; *error may receive a static
     * message. [main] */
    m365_status (*init)(const m365_host *host, const char *plugin_path, const char **error);

    /* Run one command. command is the space-separated command path without the service
     * ("list get" for "m365 spo list get"); service is the service word as declared (never an
     * alias); options_json is a JSON object of the validated options (names as declared,
     * values typed: strings, numbers, booleans; unknown options as strings when the command
     * accepts them). All three are borrowed for the call. Report the result with emit_result /
     * emit_item and failures with the returned status plus a message: set *error to a string
     * the plugin owns, valid until the next run or deinit. [main] */
    m365_status (*run)(m365_call *call, const char *service, const char *command,
                       const char *options_json, const char **error);

    /* Logical shutdown before the process exits (the file is never unloaded). May be NULL. [main] */
    void (*deinit)(void);

    /* Look up an optional plugin feature by id; NULL when unsupported. May be NULL. [any] */
    const void *(*get_extension)(const char *id);
} m365_plugin;

/* The one exported symbol. Returns a pointer to a static table; must not call the host, must not
 * block, must be safe to call more than once. */
typedef const m365_plugin *(*m365_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* M365_PLUGIN_H */
