/*
 * Deliberately broken (and one healthy) plugins for the loader tests, chosen with -D flags:
 *   -DSERVICE='"name"'      the service it claims (default "variant")
 *   -DABI_MAJOR=2           another ABI major
 *   -DSTRUCT_SIZE=12        an entry table smaller than ABI 1.0 allows
 *   -DBAD_JSON              a descriptor that is not JSON
 *   -DBAD_SCHEMA            a descriptor that is JSON but breaks the schema (enum without values)
 *   -DNO_ENTRY              no m365_plugin_entry symbol at all
 *   -DNULL_ENTRY            an entry that returns NULL
 *   -DPARTIAL_LIST          `ping` streams three items, then fails (a list cut off by an error)
 *   -DCRASH_IN_CONSTRUCTOR  a library constructor that dereferences NULL (as dlopen runs it)
 *   -DCRASH_IN_ENTRY        m365_plugin_entry dereferences NULL
 *   -DHANG_IN_ENTRY         m365_plugin_entry never returns
 *   -DCRASH_IN_RUN          `ping` dereferences NULL
 *   -DABI_1_0_FACTS         built as an ABI 1.0 plugin whose `ping` answers the connection facts
 *                           it reads with config_get (connection.spoUrl, connection.cloud)
 */
#include "m365_plugin.h"
#include <string.h>
#include <unistd.h>

/* Kept out of the optimiser's sight, so the crash really happens. */
volatile int *volatile nowhere = 0;

#ifdef CRASH_IN_CONSTRUCTOR
__attribute__((constructor)) static void crash_on_load(void) { *nowhere = 1; }
#endif

#ifndef SERVICE
#define SERVICE "variant"
#endif
#ifdef ABI_1_0_FACTS
#include <stdio.h>
#define ABI_MINOR 0
#endif
#if !defined(ABI_MINOR) && defined(ABI_MAJOR)
#define ABI_MINOR 0
#endif
#ifndef ABI_MINOR
#define ABI_MINOR M365_ABI_MINOR
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
#ifdef CRASH_IN_RUN
    *nowhere = 1;
#endif
#ifdef ABI_1_0_FACTS
    char *url = NULL, *cloud = NULL;
    m365_status a = host->config_get(call, "connection.spoUrl", &url);
    m365_status b = host->config_get(call, "connection.cloud", &cloud);
    char answer[1024];
    snprintf(answer, sizeof answer, "{\"spoUrl\":\"%s\",\"cloud\":\"%s\",\"hostMinor\":%u}",
             a == M365_OK ? url : "", b == M365_OK ? cloud : "", (unsigned)host->header.abi_minor);
    if (url) host->host_free(url);
    if (cloud) host->host_free(cloud);
    return host->emit_result(call, answer, strlen(answer));
#endif
#ifdef PARTIAL_LIST
    static const char *items[] = {"{\"n\":1,\"name\":\"one\"}", "{\"n\":2,\"name\":\"two\"}", "{\"n\":3,\"name\":\"three\"}"};
    for (int i = 0; i < 3; i++) host->emit_item(call, items[i], strlen(items[i]));
    *error = "the service failed on the next page";
    return M365_ERROR;
#else
    static const char pong[] = "{\"pong\":\"" SERVICE "\"}";
    return host->emit_result(call, pong, strlen(pong));
#endif
}

static const m365_plugin plugin = {
    .header = {ABI_MAJOR, ABI_MINOR, STRUCT_SIZE},
    .id = "com.example." SERVICE,
    .name = "Variant " SERVICE,
    .version = "0.0.1",
    .vendor = "tests",
    .descriptor_json = descriptor,
    .init = variant_init,
    .run = variant_run,
};

__attribute__((visibility("default"))) const m365_plugin *m365_plugin_entry(void) {
#ifdef CRASH_IN_ENTRY
    *nowhere = 1;
#endif
#ifdef HANG_IN_ENTRY
    for (;;) pause();
#endif
#ifdef NULL_ENTRY
    (void)plugin;
    return NULL;
#else
    return &plugin;
#endif
}
#endif
