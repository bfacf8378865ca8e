import CommandModel

/// Shell completion. The scripts are small and ask `m365 __complete` for candidates, so they stay
/// right as plugins come and go; the candidates come from the descriptor index without loading a
/// plugin.
public enum Completion {
    public static let shells = ["bash", "zsh", "fish"]

    /// Candidates for the word being typed (`current`), after the complete words `previous`.
    public static func candidates(catalog: CommandCatalog, previous: [String], current: String) -> [String] {
        // The command path is the bare words before the first option.
        let path = Array(previous.prefix { !$0.hasPrefix("-") })
        let all: [String]
        switch catalog.resolve(path) {
        case .command(let route, _):
            if let last = previous.last, last.hasPrefix("--"), let option = route.command.option(named: String(last.dropFirst(2))) {
                if option.type == .enum { return option.allowed.filter { $0.hasPrefix(current) } }
                if option.type != .boolean { return [] }
            }
            if let last = previous.last, let global = GlobalOption.named(last), !global.allowed.isEmpty {
                return global.allowed.filter { $0.hasPrefix(current) }
            }
            let given = Set(previous)
            all = route.command.options.map { "--\($0.name)" }.filter { !given.contains($0) }
                + GlobalOption.all.map { "--" + $0.name }
        case .group(let words, _, let children):
            // The next word of every command below the group.
            let depth = words.count
            var next: [String] = []
            for child in children {
                let full = child.fullName.split(separator: " ").map(String.init)
                if full.count > depth, !next.contains(full[depth]) { next.append(full[depth]) }
            }
            if words.isEmpty {
                for service in catalog.services { next.append(contentsOf: service.spec.aliases) }
                next.append("help")
            }
            all = next
        case .unknown:
            return []
        }
        return all.filter { $0.hasPrefix(current) }
    }

    public static func script(for shell: String) -> String? {
        switch shell {
        case "bash":
            return """
            # m365 completion for bash. Load it with: source <(m365 cli completion bash)
            _m365_complete() {
                local cur="${COMP_WORDS[COMP_CWORD]}"
                local IFS=$'\\n'
                COMPREPLY=($(m365 __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" -- "$cur" 2>/dev/null))
            }
            complete -o default -F _m365_complete m365

            """
        case "zsh":
            return """
            #compdef m365
            # m365 completion for zsh. Load it with: source <(m365 cli completion zsh), or install it
            # as _m365 in a folder of $fpath (the Debian package's /usr/share/zsh/vendor-completions).
            _m365() {
                local -a candidates
                candidates=("${(@f)$(m365 __complete "${(@)words[2,CURRENT-1]}" -- "${words[CURRENT]}" 2>/dev/null)}")
                compadd -a candidates
            }
            if [[ $funcstack[1] == _m365 ]]; then _m365 "$@"; else compdef _m365 m365; fi

            """
        case "fish":
            return """
            # m365 completion for fish. Load it with: m365 cli completion fish | source
            function __m365_complete
                set -l words (commandline -opc)
                m365 __complete $words[2..-1] -- (commandline -ct) 2>/dev/null
            end
            complete -c m365 -f -a '(__m365_complete)'

            """
        default:
            return nil
        }
    }
}
