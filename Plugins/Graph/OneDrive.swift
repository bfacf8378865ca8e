import GraphKit

/// `onedrive list`, `onedrive file list|get|add|download`: the signed-in user's OneDrive.
enum OneDriveCommands {
    /// Files up to this size go in one PUT; larger ones through an upload session.
    static let simpleUploadLimit: Int64 = 4 * 1024 * 1024
    /// Upload session fragments must be multiples of 320 KiB; 32 of them make 10 MiB.
    static let fragment = 32 * 327_680
    static let maxAttemptsPerFragment = 5
    static let itemDefaults = ["name", "id", "size", "lastModifiedDateTime"]

    /// `/me/drive/root:/a/b c:` for a drive path (`/a/b c`), each segment encoded; the root itself for "/".
    static func itemPath(_ path: String) -> String {
        let segments = path.split(separator: "/").map { OData.segment(String($0)) }
        return segments.isEmpty ? "/me/drive/root" : "/me/drive/root:/" + segments.joined(separator: "/") + ":"
    }

    static func item(_ options: Options) -> String {
        options.string(.id).map { "/me/drive/items/\(OData.segment($0))" } ?? itemPath(options.string(.path) ?? "/")
    }

    /// Streams the children of a folder, and of its subfolders when `recursive`.
    static func listFolder(_ graph: GraphClient, _ folder: String, recursive: Bool, count: inout Int) throws(PluginFailure) {
        var subfolders: [String] = []
        try graph.forEachItem(folder + "/children") { item throws(PluginFailure) in
            try graph.invocation.emit(item: .object(item))
            count += 1
            if recursive, item["folder"] != nil, let id = item["id"]?.stringValue { subfolders.append("/me/drive/items/\(id)") }
        }
        for subfolder in subfolders { try listFolder(graph, subfolder, recursive: true, count: &count) }
    }

    /// Uploads through an upload session: fragments read from disk one at a time, progress shown,
    /// and after a dropped connection or a throttled fragment the upload resumes from the offset
    /// the service reports. A failed upload cancels the session so nothing half-written remains.
    static func uploadSession(_ graph: GraphClient, file: LocalFileReader, target: String, conflict: String) throws(PluginFailure) -> JSON? {
        let created = try graph.send("POST", target + "/createUploadSession", body: [
            "item": ["@microsoft.graph.conflictBehavior": .string(conflict)],
        ])
        guard let uploadURL = created?["uploadUrl"]?.stringValue else {
            throw PluginFailure("Microsoft Graph did not return an upload URL", status: M365_ERR_SERVER)
        }
        do throws(PluginFailure) {
            var offset: Int64 = 0
            var attempts = 0
            while true {
                let count = min(Int64(fragment), file.size - offset)
                let end = offset + count - 1
                // The upload URL is pre-authenticated: no bearer token (it can cause a 401). The
                // host must not replay a fragment on its own either: the session says what it has.
                // The fragment is read from the file as the host sends it.
                let request = ServiceRequest(method: "PUT", url: uploadURL, headers: [("Content-Range", "bytes \(offset)-\(end)/\(file.size)")],
                                             flags: UInt32(M365_HTTP_NO_AUTH) | UInt32(M365_HTTP_NO_RETRY))
                var answer: ServiceResponse?
                var problem: PluginFailure?
                do throws(PluginFailure) { answer = try graph.invocation.send(request, body: file, at: offset, count: count) } catch {
                    if error.status != M365_ERR_NETWORK { throw error }
                    problem = error
                }
                if let answer, answer.status == 200 || answer.status == 201 { return answer.json }
                if let answer, answer.status == 202 {
                    offset = end + 1
                    attempts = 0
                    graph.invocation.progress("Uploading \(file.path)", done: offset, total: file.size)
                    continue
                }
                let transient = problem != nil || answer.map { [429, 500, 502, 503, 504].contains($0.status) } ?? false
                guard transient, attempts < maxAttemptsPerFragment else {
                    throw problem ?? GraphClient.failure(answer!)
                }
                attempts += 1
                let wait = answer?.header("retry-after").flatMap { Double($0) } ?? Double(1 << (attempts - 1))
                graph.invocation.log("upload of \(file.path) interrupted at byte \(offset) (\(problem?.description ?? "HTTP \(answer!.status)")); resuming in \(wait) s",
                                     level: M365_LOG_VERBOSE)
                try pause(seconds: wait, invocation: graph.invocation)
                offset = try resumeOffset(graph, uploadURL)
            }
        } catch {
            // Abandoned: cancel the session (best effort) so no partial upload lingers.
            _ = try? graph.invocation.send(ServiceRequest(method: "DELETE", url: uploadURL, flags: UInt32(M365_HTTP_NO_AUTH)))
            throw error
        }
    }

    /// The first byte the session still expects (`nextExpectedRanges: ["1310720-"]`).
    static func resumeOffset(_ graph: GraphClient, _ uploadURL: String) throws(PluginFailure) -> Int64 {
        let status = try graph.invocation.send(ServiceRequest(url: uploadURL, flags: UInt32(M365_HTTP_NO_AUTH)))
        guard status.isSuccess, let range = status.json?["nextExpectedRanges"]?.arrayValue?.first?.stringValue,
              let start = Int64(range.split(separator: "-", omittingEmptySubsequences: false).first ?? "") else {
            throw PluginFailure("the upload session cannot be resumed (HTTP \(status.status))", status: M365_ERR_NETWORK)
        }
        return start
    }

    // MARK: onedrive list (SharePoint admin CSOM)

    /// The tenant's SharePoint admin site: from the connection's SharePoint URL (`spo connect`,
    /// `spo set`), else from Graph's `sites/root`; `https://contoso.sharepoint.com` → `https://contoso-admin.sharepoint.com`.
    static func adminURL(_ graph: GraphClient) throws(PluginFailure) -> String {
        var root = graph.invocation.setting("connection.spoUrl") ?? ""
        if root.isEmpty { root = try graph.get("/sites/root?$select=webUrl")["webUrl"]?.stringValue ?? "" }
        let host = String(root.drop { $0 != "/" }.drop { $0 == "/" }.prefix { $0 != "/" })
        guard root.hasPrefix("https://"), let dot = host.firstIndex(of: ".") else {
            throw PluginFailure("cannot tell the SharePoint admin site from '\(root)'", status: M365_ERR_INVALID_ARGUMENT)
        }
        let tenant = host[..<dot].hasSuffix("-admin") ? String(host[..<dot].dropLast(6)) : String(host[..<dot])
        return "https://" + tenant + "-admin" + host[dot...]
    }

    /// Every OneDrive site, as CLI for Microsoft 365 lists them: `GetSitePropertiesFromSharePointByFilters`
    /// with the SPSPERS template and personal sites included, page after page (`NextStartIndexFromSharePoint`).
    static func oneDriveSites(_ graph: GraphClient) throws(PluginFailure) -> [JSONObject] {
        let admin = try adminURL(graph)
        let sharePoint: [(name: String, value: String)] = [("Accept", "application/json;odata=nometadata")]
        let context = try graph.invocation.send(ServiceRequest(method: "POST", url: admin + "/_api/contextinfo", headers: sharePoint))
        guard context.isSuccess, let digest = context.json?["FormDigestValue"]?.stringValue else {
            throw PluginFailure("SharePoint answered HTTP \(context.status) for the admin site's request digest (\(admin))",
                                status: context.isSuccess ? M365_ERR_SERVER : context.failureStatus)
        }
        var sites: [JSONObject] = []
        var start = "0"
        while true {
            let xml = #"<Request AddExpandoFieldTypeSuffix="true" SchemaVersion="15.0.0.0" LibraryVersion="16.0.0.0" ApplicationName="m365 (native CLI for Microsoft 365)" xmlns="http://schemas.microsoft.com/sharepoint/clientquery/2009"><Actions><ObjectPath Id="2" ObjectPathId="1" /><ObjectPath Id="4" ObjectPathId="3" /><Query Id="5" ObjectPathId="3"><Query SelectAllProperties="true"><Properties /></Query><ChildItemQuery SelectAllProperties="true"><Properties /></ChildItemQuery></Query></Actions><ObjectPaths><Constructor Id="1" TypeId="{268004ae-ef6b-4e9b-8425-127220d84719}" /><Method Id="3" ParentId="1" Name="GetSitePropertiesFromSharePointByFilters"><Parameters><Parameter TypeId="{b92aeee2-c92c-4b67-abcc-024e471bc140}"><Property Name="IncludeDetail" Type="Boolean">false</Property><Property Name="IncludePersonalSite" Type="Enum">1</Property><Property Name="StartIndex" Type="String">"#
                + start + #"</Property><Property Name="Template" Type="String">SPSPERS</Property></Parameter></Parameters></Method></ObjectPaths></Request>"#
            let request = ServiceRequest(method: "POST", url: admin + "/_vti_bin/client.svc/ProcessQuery",
                                         headers: [("X-RequestDigest", digest), ("Content-Type", "text/xml")], body: Array(xml.utf8))
            let response = try graph.invocation.send(request)
            guard response.isSuccess, let answer = response.json?.arrayValue, let head = answer.first else {
                throw PluginFailure("SharePoint answered HTTP \(response.status) to the admin site's ProcessQuery", status: response.isSuccess ? M365_ERR_SERVER : response.failureStatus)
            }
            if let error = head["ErrorInfo"], !error.isNull {
                throw PluginFailure(error["ErrorMessage"]?.stringValue ?? "SharePoint refused the query", status: M365_ERROR)
            }
            let page = answer.last
            sites += (page?["_Child_Items_"]?.arrayValue ?? []).compactMap(\.objectValue)
            guard let next = page?["NextStartIndexFromSharePoint"]?.stringValue, !next.isEmpty else { break }
            start = next
        }
        return sites
    }

    static let all: [PluginCommand] = [
        command("list", "Lists the OneDrive sites of the tenant (through the SharePoint admin site: needs a SharePoint admin)",
                defaults: ["Title", "Url"]) { (graph: GraphClient, _: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .array(try oneDriveSites(graph).map { .object($0) }))
        },

        command("file list", "Lists the files and folders of a folder (an addition of this m365: CLI for Microsoft 365 lists them with `file list`)",
                options: [option(.folderPath, nil, "The folder, e.g. /Documents (default: the root)"), flag(.recursive, nil, "Include subfolders")],
                defaults: itemDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var count = 0
            try listFolder(graph, itemPath(options.string(.folderPath) ?? "/"), recursive: options.bool(.recursive), count: &count)
            if count == 0 { try graph.invocation.emit(result: []) }
        },

        command("file get", "Gets a file or folder (an addition of this m365: CLI for Microsoft 365 has no such command)", options: [option(.path, nil, "The path, e.g. /Documents/report.docx"), option(.id, "i", "The ID")],
                sets: [["path", "id"]], defaults: itemDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get(item(options))))
        },

        command("file add", "Uploads a file, large files in resumable fragments (an addition of this m365: CLI for Microsoft 365 uploads with `file add`)",
                options: [option(.filePath, "p", "The local file", required: true), option(.folderPath, nil, "The folder to put it in (default: the root)"),
                          flag(.overwrite, nil, "Replace a file of the same name")],
                defaults: itemDefaults,
                examples: [("Upload a large file", "m365 onedrive file add --filePath backup.tar --folderPath /Backups --overwrite")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let file = try LocalFileReader(options.string(.filePath) ?? "")
            let name = String(file.path.split(separator: "/").last ?? "")
            let folder = (options.string(.folderPath) ?? "/").split(separator: "/").map(String.init)
            let target = itemPath("/" + (folder + [name]).joined(separator: "/"))
            let conflict = options.bool(.overwrite) ? "replace" : "fail"
            let uploaded: JSON?
            if file.size <= simpleUploadLimit {
                let bytes = try file.read(at: 0, count: Int(file.size))
                var request = ServiceRequest(method: "PUT", url: graph.url(target + "/content?@microsoft.graph.conflictBehavior=\(conflict)"),
                                          headers: GraphClient.jsonHeaders + [("Content-Type", "application/octet-stream")], body: bytes)
                request.flags = UInt32(M365_HTTP_PROGRESS)
                let answer = try graph.invocation.send(request)
                guard answer.isSuccess else { throw GraphClient.failure(answer) }
                uploaded = answer.json
            } else {
                uploaded = try uploadSession(graph, file: file, target: target, conflict: conflict)
            }
            try graph.invocation.emit(result: uploaded ?? .null)
        },

        command("file download", "Downloads a file to a temporary name, renamed when complete (an addition of this m365: CLI for Microsoft 365 has no such command)",
                options: [option(.path, nil, "The path in the drive"), option(.id, "i", "The ID"),
                          option(.outputFile, nil, "Where to write it", required: true), flag(.overwrite, nil, "Replace an existing local file")],
                sets: [["path", "id"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let output = options.string(.outputFile) ?? ""
            if !options.bool(.overwrite), (try? LocalFileReader(output)) != nil { throw usage("\(output) exists: add --overwrite to replace it") }
            let answer = try graph.invocation.download(graph.url(item(options) + "/content"), to: output)
            guard answer.isSuccess else { throw GraphClient.failure(answer) }
        },
    ]
}
