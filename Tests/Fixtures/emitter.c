/*
 * A plugin that emits a lot of output, for the output benchmarks (scripts/bench.py) and the
 * bounded-memory tests: `emitter items --count N` streams N user-like items with emit_item,
 * `emitter big --megabytes N` emits one result of about N MB with emit_result.
 *
 *   cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden -I Sources/PluginAPI/include \
 *      -o libm365-emitter.so Tests/Fixtures/emitter.c
 */
#include "m365_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char descriptor[] =
    "{\"schema\":1,\"services\":[{\"name\":\"emitter\",\"signIn\":false,\"description\":\"Emits output for benchmarks\",\"commands\":["
    "{\"name\":\"items\",\"description\":\"Streams N items\",\"defaultProperties\":[\"id\",\"displayName\",\"mail\"],"
    "\"options\":[{\"name\":\"count\",\"type\":\"number\",\"required\":true,\"description\":\"How many\"}]},"
    "{\"name\":\"big\",\"description\":\"One result of about N MB\","
    "\"options\":[{\"name\":\"megabytes\",\"type\":\"number\",\"required\":true,\"description\":\"Size\"}]}]}]}";

static const m365_host *host;

static m365_status init(const m365_host *h, const char *plugin_path, const char **error) {
    (void)plugin_path;
    (void)error;
    host = h;
    return M365_OK;
}

/* The options object is {"count":N} or {"megabytes":N}: the one number after the key. */
static long number(const char *options, const char *key) {
    const char *at = strstr(options, key);
    return at ? strtol(at + strlen(key) + 1, NULL, 10) : 0;
}

static m365_status run(m365_call *call, const char *service, const char *command, const char *options,
                       const char **error) {
    (void)service;
    if (strcmp(command, "items") == 0) {
        char item[512];
        long count = number(options, "\"count\"");
        for (long i = 0; i < count; i++) {
            int len = snprintf(item, sizeof item,
                               "{\"id\":\"%08ld-1e4f-4c8e-9a41-7b2d5c6e8f90\",\"displayName\":\"User %ld, \\\"quoted\\\"\","
                               "\"mail\":\"user%ld@contoso.com\",\"accountEnabled\":%s,\"jobTitle\":null,"
                               "\"businessPhones\":[\"+1 555 %04ld\"],\"manager\":{\"id\":\"m%ld\"}}",
                               i, i, i, i % 2 ? "true" : "false", i % 10000, i % 97);
            m365_status status = host->emit_item(call, item, (size_t)len);
            if (status != M365_OK) return status;
        }
        return M365_OK;
    }
    size_t capacity = (size_t)number(options, "\"megabytes\"") * 1024 * 1024 + 4096, len = 0;
    char *big = malloc(capacity);
    if (big == NULL) {
        *error = "out of memory";
        return M365_ERROR;
    }
    len += (size_t)sprintf(big, "{\"value\":[");
    for (long i = 0; len + 300 < capacity - 4096; i++) {
        len += (size_t)sprintf(big + len, "%s{\"id\":%ld,\"name\":\"item %ld\",\"tags\":[\"a\",\"b\"],\"ok\":true}", i ? "," : "", i, i);
    }
    len += (size_t)sprintf(big + len, "]}");
    m365_status status = host->emit_result(call, big, len);
    free(big);
    return status;
}

static const m365_plugin plugin = {
    .header = M365_HEADER_INIT(m365_plugin),
    .id = "com.example.emitter",
    .name = "emitter",
    .version = "1.0.0",
    .vendor = "m365 tests",
    .descriptor_json = descriptor,
    .init = init,
    .run = run,
};

__attribute__((visibility("default"))) const m365_plugin *m365_plugin_entry(void) { return &plugin; }
