/*
 * A third-party m365 plugin in plain C: the "widgets" service of a fictional vendor.
 *
 * It shows everything a plugin needs: the one exported entry function, a static descriptor
 * (commands with string, number, boolean and enum options, a required option, an
 * "exactly one of" option set, unknown options), results emitted as JSON — one object, or a list
 * streamed item by item — and failures reported with a status and a message.
 *
 * Build:  cc -std=c11 -shared -fPIC -fvisibility=hidden -I ../../Sources/PluginAPI/include \
 *            -o libm365-widgets.so widgets.c
 * Use:    M365_PLUGIN_PATH=$PWD m365 widgets list --output text
 */
#include "m365_plugin.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* The catalogue this service serves. A real plugin would call its service through            */
/* host->http_send instead.                                                                    */

typedef struct widget {
    int id;
    const char *name;
    const char *color;
    double price;
    int in_stock;
} widget;

static const widget catalogue[] = {
    {1, "Sprocket", "red", 2.5, 1},
    {2, "Flange", "green", 12.0, 0},
    {3, "Gasket", "blue", 0.75, 1},
    {4, "Grommet", "red", 1.25, 1},
};
static const size_t catalogue_count = sizeof(catalogue) / sizeof(catalogue[0]);

/* ------------------------------------------------------------------------------------------ */
/* The descriptor: the plugin's commands, read by the host without running any of our code.   */

static const char descriptor[] =
    "{\"schema\":1,\"services\":[{\"name\":\"widgets\",\"description\":\"Example Corp widgets (a plugin written in C)\","
    "\"signIn\":false,\"commands\":["
    "{\"name\":\"list\",\"description\":\"Lists widgets\",\"defaultProperties\":[\"id\",\"name\",\"color\"],"
    "\"options\":["
    "{\"name\":\"color\",\"short\":\"c\",\"type\":\"enum\",\"allowed\":[\"red\",\"green\",\"blue\"],\"description\":\"Only widgets of this color\"},"
    "{\"name\":\"limit\",\"type\":\"number\",\"description\":\"At most this many widgets\"},"
    "{\"name\":\"inStock\",\"type\":\"boolean\",\"description\":\"Only widgets in stock\"}],"
    "\"examples\":[{\"description\":\"Red widgets as a table\",\"command\":\"m365 widgets list --color red --output text\"}]},"
    "{\"name\":\"get\",\"description\":\"Gets one widget\",\"options\":["
    "{\"name\":\"id\",\"short\":\"i\",\"type\":\"number\",\"description\":\"Id of the widget\"},"
    "{\"name\":\"name\",\"short\":\"n\",\"type\":\"string\",\"description\":\"Name of the widget\"}],"
    "\"optionSets\":[{\"options\":[\"id\",\"name\"]}],"
    "\"examples\":[{\"description\":\"A widget by name\",\"command\":\"m365 widgets get --name Flange\"}]},"
    "{\"name\":\"add\",\"description\":\"Describes a new widget (extra --Name value options become properties)\","
    "\"acceptsUnknownOptions\":true,\"options\":["
    "{\"name\":\"name\",\"short\":\"n\",\"type\":\"string\",\"required\":true,\"description\":\"Name of the widget\"},"
    "{\"name\":\"price\",\"type\":\"number\",\"default\":1,\"description\":\"Price in euros\"},"
    "{\"name\":\"color\",\"type\":\"enum\",\"allowed\":[\"red\",\"green\",\"blue\"],\"default\":\"red\",\"description\":\"Color\"},"
    "{\"name\":\"inStock\",\"type\":\"boolean\",\"default\":false,\"description\":\"Whether it is in stock\"}]},"
    "{\"name\":\"me\",\"description\":\"Shows who is signed in, asking Microsoft Graph through the host\","
    "\"defaultProperties\":[\"displayName\",\"userPrincipalName\"]}"
    "]}]}";

/* ------------------------------------------------------------------------------------------ */
/* Reading the options: the host hands over a flat JSON object ({"name":"x","limit":3,…}) whose */
/* values are strings, numbers or booleans, already checked against the descriptor.            */

typedef struct option_value {
    char key[64];
    char text[1024]; /* strings unescaped; numbers and booleans as written */
    int is_string;
} option_value;

/* Reads the next "key":value pair at *cursor; returns 0 at the end of the object. */
static int next_option(const char **cursor, option_value *out) {
    const char *p = *cursor;
    while (*p == '{' || *p == ',' || *p == ' ') p++;
    if (*p != '"') return 0;
    size_t n = 0;
    for (p++; *p && *p != '"'; p++)
        if (n + 1 < sizeof out->key) out->key[n++] = *p;
    out->key[n] = 0;
    p++; /* closing quote */
    if (*p == ':') p++;
    n = 0;
    out->is_string = (*p == '"');
    if (out->is_string) {
        for (p++; *p && *p != '"'; p++) {
            char c = *p;
            if (c == '\\') {
                p++;
                switch (*p) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                case 'u': c = '?'; p += 4; break; /* enough for an example */
                default: c = *p; break;
                }
            }
            if (n + 1 < sizeof out->text) out->text[n++] = c;
        }
        if (*p == '"') p++;
    } else {
        for (; *p && *p != ',' && *p != '}'; p++)
            if (n + 1 < sizeof out->text) out->text[n++] = *p;
    }
    out->text[n] = 0;
    *cursor = p;
    return 1;
}

/* Finds one option; returns 0 when it was not given. */
static int find_option(const char *options, const char *key, option_value *out) {
    const char *cursor = options;
    while (next_option(&cursor, out))
        if (strcmp(out->key, key) == 0) return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing JSON results.                                                                       */

typedef struct buffer {
    char data[4096];
    size_t len;
} buffer;

static void append(buffer *b, const char *text) {
    size_t n = strlen(text);
    if (b->len + n < sizeof b->data) {
        memcpy(b->data + b->len, text, n);
        b->len += n;
        b->data[b->len] = 0;
    }
}

static void append_string(buffer *b, const char *text) {
    append(b, "\"");
    for (const char *p = text; *p; p++) {
        char escaped[8];
        if (*p == '"' || *p == '\\') {
            escaped[0] = '\\'; escaped[1] = *p; escaped[2] = 0;
        } else if ((unsigned char)*p < 0x20) {
            snprintf(escaped, sizeof escaped, "\\u%04x", (unsigned char)*p);
        } else {
            escaped[0] = *p; escaped[1] = 0;
        }
        append(b, escaped);
    }
    append(b, "\"");
}

static void append_number(buffer *b, double value) {
    char text[64];
    snprintf(text, sizeof text, "%.15g", value);
    append(b, text);
}

static void widget_json(buffer *b, const widget *w) {
    b->len = 0;
    append(b, "{\"id\":");
    append_number(b, w->id);
    append(b, ",\"name\":");
    append_string(b, w->name);
    append(b, ",\"color\":");
    append_string(b, w->color);
    append(b, ",\"price\":");
    append_number(b, w->price);
    append(b, ",\"inStock\":");
    append(b, w->in_stock ? "true" : "false");
    append(b, "}");
}

/* ------------------------------------------------------------------------------------------ */
/* The commands.                                                                               */

static const m365_host *host;
static char error_message[256];

static m365_status fail(m365_status status, const char **error, const char *message) {
    snprintf(error_message, sizeof error_message, "%s", message);
    *error = error_message;
    return status;
}

static m365_status list_widgets(m365_call *call, const char *options, const char **error) {
    option_value color = {0}, limit = {0}, in_stock = {0};
    int has_color = find_option(options, "color", &color);
    int has_limit = find_option(options, "limit", &limit);
    int only_in_stock = find_option(options, "inStock", &in_stock) && strcmp(in_stock.text, "true") == 0;
    long max = has_limit ? strtol(limit.text, NULL, 10) : -1;
    if (has_limit && max < 0) return fail(M365_ERR_INVALID_ARGUMENT, error, "--limit must not be negative");

    long emitted = 0;
    buffer b;
    for (size_t i = 0; i < catalogue_count && (max < 0 || emitted < max); i++) {
        const widget *w = &catalogue[i];
        if (has_color && strcmp(color.text, w->color) != 0) continue;
        if (only_in_stock && !w->in_stock) continue;
        if (host->is_cancelled(call)) return fail(M365_ERR_CANCELLED, error, "cancelled");
        widget_json(&b, w);
        /* Items are streamed: the host prints them as they come when the output allows. */
        if (host->emit_item(call, b.data, b.len) != M365_OK)
            return fail(M365_ERROR, error, host->last_error(call));
        emitted++;
    }
    if (emitted == 0) return host->emit_result(call, "[]", 2);
    return M365_OK;
}

static m365_status get_widget(m365_call *call, const char *options, const char **error) {
    option_value id = {0}, name = {0};
    int by_id = find_option(options, "id", &id);
    find_option(options, "name", &name); /* the host guarantees exactly one of id and name */
    for (size_t i = 0; i < catalogue_count; i++) {
        const widget *w = &catalogue[i];
        if (by_id ? (strtod(id.text, NULL) == w->id) : (strcmp(name.text, w->name) == 0)) {
            buffer b;
            widget_json(&b, w);
            return host->emit_result(call, b.data, b.len);
        }
    }
    char message[200];
    snprintf(message, sizeof message, "Widget '%.100s' was not found", by_id ? id.text : name.text);
    return fail(M365_ERR_NOT_FOUND, error, message);
}

static m365_status add_widget(m365_call *call, const char *options, const char **error) {
    static const char *known[] = {"name", "price", "color", "inStock"};
    buffer b = {0};
    option_value v;
    append(&b, "{\"id\":");
    append_number(&b, (double)catalogue_count + 1);
    /* Declared options in order, then unknown ones collected under "properties". */
    for (size_t k = 0; k < 4; k++) {
        if (!find_option(options, known[k], &v)) continue;
        append(&b, ",");
        append_string(&b, known[k]);
        append(&b, ":");
        if (v.is_string) append_string(&b, v.text); else append(&b, v.text);
    }
    append(&b, ",\"properties\":{");
    const char *cursor = options;
    int first = 1;
    while (next_option(&cursor, &v)) {
        int is_known = 0;
        for (size_t k = 0; k < 4; k++) is_known |= strcmp(v.key, known[k]) == 0;
        if (is_known) continue;
        if (!first) append(&b, ",");
        first = 0;
        append_string(&b, v.key);
        append(&b, ":");
        append_string(&b, v.text);
    }
    append(&b, "}}");
    host->log(call, M365_LOG_VERBOSE, "widget described");
    m365_status status = host->emit_result(call, b.data, b.len);
    if (status != M365_OK) return fail(status, error, host->last_error(call));
    return M365_OK;
}

/* Calls Microsoft Graph through the host: the host signs in, adds the token, retries and traces;
 * the plugin only sees the response. */
static m365_status whoami(m365_call *call, const char **error) {
    /* http_send arrived in ABI 1.0, but a plugin checks the host table's size before using a field. */
    if (host->header.struct_size < offsetof(m365_host, http_response_free) + sizeof(void *))
        return fail(M365_ERR_NOT_SUPPORTED, error, "this m365 cannot send HTTP requests for plugins");
    m365_http_request request = {
        .header = M365_HEADER_INIT(m365_http_request),
        .method = "GET",
        .url = "https://graph.microsoft.com/v1.0/me",
        .headers_json = "{\"Accept\":\"application/json\"}",
        .body_size = -1,
    };
    m365_http_response *response = NULL;
    m365_status status = host->http_send(call, &request, &response);
    if (status != M365_OK) return fail(status, error, host->last_error(call));
    if (response->status != 200) {
        char message[64];
        snprintf(message, sizeof message, "Microsoft Graph answered HTTP %d", (int)response->status);
        host->http_response_free(call, response);
        return fail(M365_ERROR, error, message);
    }
    status = host->emit_result(call, (const char *)response->body, response->body_len);
    host->http_response_free(call, response);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* The entry table.                                                                            */

static m365_status widgets_init(const m365_host *h, const char *plugin_path, const char **error) {
    (void)plugin_path;
    if (h->header.abi_major != M365_ABI_MAJOR) {
        *error = "unsupported host ABI";
        return M365_ERR_NOT_SUPPORTED;
    }
    host = h;
    return M365_OK;
}

static m365_status widgets_run(m365_call *call, const char *service, const char *command,
                               const char *options, const char **error) {
    (void)service;
    if (strcmp(command, "list") == 0) return list_widgets(call, options, error);
    if (strcmp(command, "get") == 0) return get_widget(call, options, error);
    if (strcmp(command, "add") == 0) return add_widget(call, options, error);
    if (strcmp(command, "me") == 0) return whoami(call, error);
    return fail(M365_ERR_NOT_FOUND, error, "unknown command");
}

static const m365_plugin plugin = {
    .header = M365_HEADER_INIT(m365_plugin),
    .id = "com.example.widgets",
    .name = "Example widgets",
    .version = "1.0.0",
    .vendor = "Example Corp",
    .descriptor_json = descriptor,
    .init = widgets_init,
    .run = widgets_run,
    .deinit = NULL,
    .get_extension = NULL,
};

__attribute__((visibility("default"))) const m365_plugin *m365_plugin_entry(void) {
    return &plugin;
}
