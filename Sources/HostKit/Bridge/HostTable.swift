#if canImport(Glibc)
import Glibc
#endif
import PluginAPI

/// The host table handed to plugins: static for the process, built once. Each entry only turns
/// its C arguments into Swift ones and calls the `CallContext` method that does the work.
enum HostTable {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<m365_host> = {
        let table = UnsafeMutablePointer<m365_host>.allocate(capacity: 1)
        table.initialize(to: m365_host())
        table.pointee.header = m365_header(abi_major: UInt32(M365_ABI_MAJOR), abi_minor: UInt32(M365_ABI_MINOR), struct_size: UInt32(MemoryLayout<m365_host>.size))
        table.pointee.host_name = UnsafePointer(strdup("m365"))
        table.pointee.host_version = UnsafePointer(strdup(m365Version))
        table.pointee.get_extension = { _, _ in nil }
        table.pointee.host_free = { free($0) }
        table.pointee.last_error = { call in CallContext.from(call)?.lastError ?? UnsafePointer(emptyString) }
        table.pointee.log = { call, level, message in
            guard let message else { return }
            CallContext.from(call)?.log(level, String(cString: message))
        }
        table.pointee.emit_result = { call, json, length in
            CallContext.from(call)?.emitResult(json.map { UnsafeRawBufferPointer(start: $0, count: length) }) ?? M365_ERR_INVALID_ARGUMENT
        }
        table.pointee.emit_item = { call, json, length in
            CallContext.from(call)?.emitItem(json.map { UnsafeRawBufferPointer(start: $0, count: length) }) ?? M365_ERR_INVALID_ARGUMENT
        }
        table.pointee.progress = { call, label, done, total in
            CallContext.from(call)?.progress(label.map { String(cString: $0) } ?? "", done: done, total: total)
        }
        table.pointee.prompt = { call, question, flags, answer in
            guard let context = CallContext.from(call) else { return M365_ERR_INVALID_ARGUMENT }
            return context.answer(context.prompt(question.map { String(cString: $0) } ?? "", flags: flags), into: answer)
        }
        table.pointee.config_get = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            return context.answer(context.setting(String(cString: key)), into: value)
        }
        table.pointee.state_get = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            let name = String(cString: key)
            return context.answer(context.state(name).map { .success($0) } ?? .failure(HostCallFailure(M365_ERR_NOT_FOUND, "no state '\(name)'")), into: value)
        }
        table.pointee.state_set = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            return context.setState(String(cString: key), value.map { String(cString: $0) })
        }
        table.pointee.get_access_token = { call, resource, token in
            guard let context = CallContext.from(call), let resource else { return M365_ERR_INVALID_ARGUMENT }
            return context.answer(context.accessToken(String(cString: resource)), into: token)
        }
        table.pointee.http_send = { call, request, response in
            guard let context = CallContext.from(call), let request, let response else { return M365_ERR_INVALID_ARGUMENT }
            switch context.send(request) {
            case .success(let answer): response.pointee = answer; return context.succeed()
            case .failure(let error): return context.fail(error)
            }
        }
        table.pointee.http_response_free = { _, response in
            guard let response else { return }
            free(UnsafeMutableRawPointer(mutating: response.pointee.headers_json))
            free(UnsafeMutableRawPointer(mutating: response.pointee.body))
            response.deallocate()
        }
        table.pointee.is_cancelled = { _ in cancellationRequested }
        // ABI 1.1
        table.pointee.connection_set = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            return context.connectionSet(String(cString: key), value.map { String(cString: $0) })
        }
        // ABI 1.2
        table.pointee.http_prefetch = { call, request in
            guard let context = CallContext.from(call), let request else { return M365_ERR_INVALID_ARGUMENT }
            return context.prefetch(request)
        }
        return table
    }()
}

/// What last_error answers when it has no call to look at: never NULL.
nonisolated(unsafe) private let emptyString: UnsafeMutablePointer<CChar> = strdup("")

extension CallContext {
    /// A string answer in host-allocated memory (the plugin releases it with host_free), or the
    /// failure's status with its message for last_error.
    func answer(_ result: Result<String, HostCallFailure>, into out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> m365_status {
        switch result {
        case .success(let text):
            out?.pointee = strdup(text)
            return succeed()
        case .failure(let failure):
            return fail(failure)
        }
    }
}
