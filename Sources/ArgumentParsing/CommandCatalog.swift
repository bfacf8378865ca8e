import CommandModel

/// The commands a run can reach: the host's root commands and the services with their commands.
/// Built from the plugin index, so looking a command up never loads a plugin.
public struct CommandCatalog: Sendable {
    public struct Service: Sendable {
        public var spec: ServiceSpec
        public var owner: CommandOwner
        /// Commands the host adds to the service (connect, status, disconnect).
        public var hostCommands: [CommandSpec]
        public init(spec: ServiceSpec, owner: CommandOwner, hostCommands: [CommandSpec] = []) {
            self.spec = spec
            self.owner = owner
            self.hostCommands = hostCommands
        }

        var routes: [CommandRoute] {
            hostCommands.map { CommandRoute(service: spec, command: $0, owner: .host) }
                + spec.commands.map { CommandRoute(service: spec, command: $0, owner: owner) }
        }
    }

    public var rootCommands: [CommandSpec]
    public var services: [Service]

    public init(rootCommands: [CommandSpec], services: [Service]) {
        self.rootCommands = rootCommands
        self.services = services
    }

    public func service(named name: String) -> Service? {
        services.first { $0.spec.allNames.contains(name) }
    }

    /// Every command with the service it belongs to, in declaration order.
    public var allRoutes: [CommandRoute] {
        rootCommands.map { CommandRoute(service: nil, command: $0, owner: .host) } + services.flatMap(\.routes)
    }

    /// What the leading words of a command line name.
    public enum Resolution: Sendable {
        /// A command; `consumed` words were used (the rest are positional arguments).
        case command(CommandRoute, consumed: Int)
        /// A service or a group of commands (`spo`, `spo list`): the words so far and what lies below.
        case group(words: [String], service: Service?, children: [CommandRoute])
        /// Nothing matches.
        case unknown(words: [String])
    }

    /// Resolves the longest command path in `words` (the bare words before the first option).
    public func resolve(_ words: [String]) -> Resolution {
        guard let first = words.first else { return .group(words: [], service: nil, children: allRoutes) }
        let service = service(named: first)
        let candidates = service.map(\.routes) ?? rootCommands.map { CommandRoute(service: nil, command: $0, owner: .host) }
        let rest = service == nil ? words[...] : words.dropFirst()
        let offset = service == nil ? 0 : 1

        var best: (route: CommandRoute, length: Int)?
        for route in candidates {
            for path in [route.command.words] + route.command.aliases where path.count <= rest.count {
                if Array(rest.prefix(path.count)) == path, path.count > (best?.length ?? 0) {
                    best = (route, path.count)
                }
            }
        }
        if let best {
            return .command(best.route, consumed: best.length + offset)
        }
        // A group: the typed words are a prefix of some commands (`spo list`), or just the service.
        let typed = Array(rest)
        let children = candidates.filter { Array($0.command.words.prefix(typed.count)) == typed }
        if !children.isEmpty && (service != nil || !typed.isEmpty) {
            return .group(words: words, service: service, children: children)
        }
        return .unknown(words: words)
    }
}
