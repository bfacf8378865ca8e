/* Loads every plugin named on the command line into this one process, as a host would, and
 * reads each one's entry table and descriptor: several plugins, each with its own Swift runtime
 * linked in, side by side. Built by packaging/test.sh against the installed m365_plugin.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <m365_plugin.h>

int main(int argc, char **argv) {
    int failures = 0;
    for (int round = 0; round < 2; round++) {  /* the entry may be called more than once */
        for (int i = 1; i < argc; i++) {
            void *handle = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
            if (handle == NULL) { printf("FAIL %s: %s\n", argv[i], dlerror()); failures++; continue; }
            m365_plugin_entry_fn entry;
            *(void **)(&entry) = dlsym(handle, M365_PLUGIN_ENTRY_SYMBOL);
            const m365_plugin *plugin = entry ? entry() : NULL;
            if (plugin == NULL || plugin->header.abi_major != M365_ABI_MAJOR || plugin->descriptor_json == NULL
                || strstr(plugin->descriptor_json, "\"services\"") == NULL) {
                printf("FAIL %s: no usable entry table\n", argv[i]);
                failures++;
                continue;
            }
            if (round == 1) printf("%s %s %zu\n", plugin->id, plugin->version, strlen(plugin->descriptor_json));
        }
    }
    return failures == 0 ? 0 : 1;
}
