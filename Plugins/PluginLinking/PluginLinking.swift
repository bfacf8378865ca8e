// Nothing to compile: this target carries the plugins' linker settings (Package.swift,
// pluginLinkerSettings) into each plugin product, and into nothing else. On the plugin targets
// themselves the settings would also reach every test linking one of them, and all test targets
// are linked into one test executable, which cannot take -static-stdlib or the version script.
