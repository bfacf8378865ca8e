/*
 * Deliberately broken (and one healthy) plugins for the loader tests, chosen with -D flags:
 *   -DSERVICE='"name"'      the service it claims (default "variant")
 *   -DABI_MAJOR=2           another ABI major
 *   -DSTRUCT_SIZE=12        an entry table smaller than ABI 1.0 allows
 *   -DBAD_JSON              a descriptor that is not JSON
 *   -DBAD_SCHEMA            a descriptor that is JSON but breaks the schema (enum without values)
 *   -DNO_ENTRY              no m365_plugin_entry symbol at all
 *   -DNULL_ENTRY            an entry that returns NULL
 */
#include "m365_plugin.h"
#include <string.h>

#ifndef SERVICE
#define SERVICE "variant"
#endif
#ifndef ABI_MAJOR
#define ABI_MAJOR M365_ABI_MAJOR
#endif
#ifndef STRUCT_SIZE
#define STRUCT_SIZE sizeof(m365_plugin)
#endif

#ifdef NO_ENTRY
__attribute__((visibility("default"))) int m365_plugin_entry_misspelled(void) { return 1; }
#else

#if defined(BAD_JSON)
static const char descriptor[] = "{\"schema\":1,\"services\":[{\"name\":\"" SERVICE "\"";
#elif defined(BAD_SCHEMA)
static const char descriptor[] = "{\"schema\":1,\"services\":[{\"name\":\"" SERVICE "\",\"commands\":[{\"name\":\"ping\","
                                 "\"options\":[{\"name\":\"mode\",\"type\":\"enum\"}]}]}]}";
#else
static const char descriptor[] = "{\"schema\":1,\"services\":[{\"name\":\"" SERVICE "\",\"signIn\":false,"
                                 "\"commands\":[{\"name\":\"ping\",\"description\":\"Answers pong\"}]}]}";
#endif

static const m365_host *host;

static m365_status variant_init(const m365_host *h, const char *path, const char **error) {
    (void)path; (void)error;
    host = h;
    return M365_OK;
}

static m365_status variant_run(m365_call *call, const char *service, const char *command, const char *options, const char **error) {
    (void)service; (void)command; (void)options; (void)error;
    static const char pong[] = "{\"pong\":\"" SERVICE "\"}";
    return host->emit_result(call, pong, strlen(pong));
}

static const m365_plugin plugin = {
    .header = {ABI_MAJOR, M365_ABI_MINOR, STRUCT_SIZE},
    .id = "com.example." SERVICE,
    .name = "Variant " SERVICE,
    .version = "0.0.1",
    .vendor = "tests",
    .descriptor_json = descriptor,
    .init = variant_init,
    .run = variant_run,
};

__attribute__((visibility("default"))) const m365_plugin *m365_plugin_entry(void) {
#ifdef NULL_ENTRY
    (void)plugin;
    return NULL;
#else
    return &plugin;
#endif
}
#endif
