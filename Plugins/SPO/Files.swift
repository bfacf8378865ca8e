#if canImport(Glibc)
import Glibc
#endif
import PluginKit

/// `spo file …`: files of document libraries. Uploads above 10 MiB go in 10 MiB chunks
/// (StartUpload / ContinueUpload / FinishUpload) read from disk one at a time; downloads stream
/// to a temporary file renamed only when complete.
enum FileCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    /// What `file list` asks for in text output without --fields, as the CLI.
    static let textColumns = ["UniqueId", "Name", "ServerRelativeUrl"]
    /// Files larger than this are uploaded in chunks.
    static let chunkThreshold: Int64 = 10 * 1024 * 1024
    static let chunkSize = 10 * 1024 * 1024
    static let maxAttemptsPerChunk = 5

    /// A 404 on a file as one clear line.
    static func fileFailure(_ error: PluginFailure, _ label: String) -> PluginFailure {
        guard error.status == M365_ERR_NOT_FOUND else { return error }
        let text = error.description.split(separator: " There is no").first.map(String.init) ?? error.description
        return PluginFailure(text.contains(label) ? text : "File '\(label)' does not exist (\(text))", status: M365_ERR_NOT_FOUND)
    }

    /// The file an option set names: `GetFileById('…')` or the server-relative URL alias.
    static func fileBase(_ spo: SPOClient, web: String, _ options: Options, id: OptionKey<String> = .id, url: OptionKey<String> = .url)
        throws(PluginFailure) -> (label: String, path: (String, [(String, String?)]) -> String) {
        try options.requireGUIDs([id])
        if let guid = options.string(id) {
            return (guid, { tail, query in web + "/_api/web/GetFileById(\(OData.quote(guid)))" + tail + OData.query(query) })
        }
        let relative = try SPOPath.serverRelative(options.string(url) ?? "", web: web, option: url.name)
        return (relative, { tail, query in SPOPath.file(web, relative, tail, query: query) })
    }

    /// Streams the files of `folder` and, with `recursive`, of every folder below, in the CLI's
    /// order: the folders below first (each before its own subfolders), `folder` itself last.
    /// In text output without --fields only the columns the CLI shows are asked for.
    static func walk(_ spo: SPOClient, web: String, _ folder: String, _ options: Options, recursive: Bool, count: inout Int) throws(PluginFailure) {
        var folders: [String] = []
        if recursive { try collectFolders(spo, web: web, folder, into: &folders) }
        folders.append(folder)
        let fields = options.list(.fields) ?? []
        let select = fields.isEmpty && spo.invocation.outputMode == "text" ? [("$select", textColumns.joined(separator: ","))] : FolderCommands.select(options)
        let dropItemID = FolderCommands.mentionsListItem(options)
        for url in folders {
            do throws(PluginFailure) {
                try spo.forEachItem(SPOPath.folder(web, url, "/Files", query: select + [("$filter", options.string(.filter))])) { file throws(PluginFailure) in
                    try spo.invocation.emit(item: .object(dropItemID ? FolderCommands.withoutItemID(file) : file))
                    count += 1
                }
            } catch { throw FolderCommands.folderFailure(error, url) }
        }
    }

    /// The server-relative URLs of every folder below `folder`, each before its own subfolders.
    static func collectFolders(_ spo: SPOClient, web: String, _ folder: String, into folders: inout [String]) throws(PluginFailure) {
        var below: [String] = []
        do throws(PluginFailure) {
            try spo.forEachItem(SPOPath.folder(web, folder, "/Folders", query: [("$select", "ServerRelativeUrl")])) { sub throws(PluginFailure) in
                if let url = sub["ServerRelativeUrl"]?.stringValue { below.append(url) }
            }
        } catch { throw FolderCommands.folderFailure(error, folder) }
        for url in below {
            folders.append(url)
            try collectFolders(spo, web: web, url, into: &folders)
        }
    }

    // MARK: Uploads

    /// One POST whose body is file content (no digest, see `SPOClient.write`); the host does not
    /// replay it (the caller decides what a retry means). A network failure comes back as nil.
    static func post(_ spo: SPOClient, _ url: String, body: [UInt8]) throws(PluginFailure) -> (ServiceResponse?, PluginFailure?) {
        let request = ServiceRequest(method: "POST", url: url,
                                  headers: SPOClient.headers + [("Content-Type", "application/octet-stream")],
                                  body: body, flags: UInt32(M365_HTTP_NO_RETRY) | UInt32(M365_HTTP_PROGRESS))
        do throws(PluginFailure) {
            return (try spo.invocation.send(request), nil)
        } catch {
            if error.status != M365_ERR_NETWORK { throw error }
            return (nil, error)
        }
    }

    /// Sends one chunk until SharePoint confirms it: after a dropped connection or a 429/503
    /// the same chunk at the same offset again (SharePoint takes a chunk it already has as
    /// confirmed, so nothing is written twice).
    static func sendChunk(_ spo: SPOClient, _ url: String, body: [UInt8], what: String) throws(PluginFailure) -> ServiceResponse {
        var attempts = 0
        while true {
            let (answer, problem) = try post(spo, url, body: body)
            if let answer, answer.isSuccess { return answer }
            let transient = problem != nil || answer.map { [429, 500, 502, 503, 504].contains($0.status) } ?? false
            guard transient, attempts < maxAttemptsPerChunk else {
                if let answer { throw spo.failure(answer, url: url, write: true) }
                throw problem ?? PluginFailure("the upload failed", status: M365_ERR_NETWORK)
            }
            attempts += 1
            let wait = answer?.header("retry-after").flatMap { Double($0) } ?? Double(min(2, 1 << (attempts - 1)))
            spo.invocation.log("\(what) interrupted (\(problem?.description ?? "HTTP \(answer!.status)")); sending it again in \(wait) s",
                               level: M365_LOG_VERBOSE)
            try pause(seconds: wait, invocation: spo.invocation)
        }
    }

    /// StartUpload, ContinueUpload per chunk, FinishUpload with the last: chunks read from disk
    /// one at a time into one buffer. An abandoned upload is cancelled so no half file stays.
    static func chunkedUpload(_ spo: SPOClient, web: String, folder: String, name: String, file: LocalFileReader) throws(PluginFailure) -> JSON? {
        let id = newGUID()
        let fileURL = folder + "/" + name
        let start = SPOPath.folder(web, folder, "/Files/GetByPathOrAddStub(DecodedUrl=@n)/StartUpload(uploadId=guid'\(id)')",
                                   query: [("@n", OData.quote(name))])
        _ = try sendChunk(spo, start, body: [], what: "starting the upload of \(file.path)")
        do throws(PluginFailure) {
            var offset: Int64 = 0
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while true {
                let count = try file.read(at: offset, into: &buffer)
                let last = offset + Int64(count) >= file.size
                let call = last ? "FinishUpload" : "ContinueUpload"
                let url = SPOPath.file(web, fileURL, "/\(call)(uploadId=guid'\(id)',fileOffset=\(offset))")
                let answer = try sendChunk(spo, url, body: count == buffer.count ? buffer : Array(buffer[..<count]),
                                           what: "the chunk at byte \(offset) of \(file.path)")
                offset += Int64(count)
                spo.invocation.progress("Uploading \(file.path)", done: offset, total: file.size)
                if last { return answer.json }
            }
        } catch {
            _ = try? spo.answer("POST", SPOPath.folder(web, folder, "/Files(@n)/cancelupload(uploadId=guid'\(id)')", query: [("@n", OData.quote(name))]))
            throw error
        }
    }

    /// Uploads `file` into `folder`: one `Files/add` up to 10 MiB, chunks above.
    static func upload(_ spo: SPOClient, web: String, folder: String, name: String, file: LocalFileReader, overwrite: Bool) throws(PluginFailure) -> JSON? {
        if !overwrite {
            // `--overwrite false`: ask first, as CLI for Microsoft 365 does; its upload then replaces.
            let exists: Bool
            do throws(PluginFailure) {
                exists = try spo.get(SPOPath.file(web, folder + "/" + name, query: [("$select", "Exists")]))["Exists"]?.boolValue ?? true
            } catch {
                guard error.status == M365_ERR_NOT_FOUND else { throw error }
                exists = false
            }
            if exists {
                throw PluginFailure("File '\(name)' already exists in folder '\(folder)'. To overwrite the file, use the --overwrite option.", status: M365_ERROR)
            }
        }
        if file.size <= chunkThreshold {
            let bytes = try file.read(at: 0, count: Int(file.size))
            let url = SPOPath.folder(web, folder, "/Files/add(url=@n,overwrite=true)", query: [("@n", OData.quote(name))])
            // Throttling is waited out; a dropped connection is retried: the replay replaces what
            // the lost attempt may have stored.
            return try sendChunk(spo, url, body: bytes, what: "the upload of \(file.path)").json
        }
        return try chunkedUpload(spo, web: web, folder: folder, name: name, file: file)
    }

    static let all: [PluginCommand] = [
        command("file list", "Lists all available files in the specified folder",
                options: [webUrl, option(.folderUrl, "f", "Site- or server-relative URL of the folder", required: true),
                          flag(.recursive, "r", "Include the files of every subfolder"),
                          option(.fields, nil, "Comma-separated list of properties to retrieve"),
                          option(.filter, nil, "OData filter to apply to the files")],
                examples: [("Files of a library", "m365 spo file list --webUrl /sites/project-x --folderUrl 'Shared Documents'"),
                           ("Every file below, with some properties", "m365 spo file list --webUrl /sites/project-x --folderUrl 'Shared Documents' --recursive --fields Name,Length")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let folder = try SPOPath.serverRelative(options.string(.folderUrl) ?? "", web: web, option: "folderUrl")
            var count = 0
            try walk(spo, web: web, folder, options, recursive: options.bool(.recursive), count: &count)
            if count == 0 { try spo.invocation.emit(result: []) }
        },

        command("file get", "Gets information about the specified file, its contents or its list item",
                options: [webUrl, option(.url, nil, "Site- or server-relative URL of the file"), option(.id, "i", "UniqueId (GUID) of the file"),
                          flag(.asString, nil, "Print the contents of the file as text"), flag(.asListItem, nil, "Print the file's list item"),
                          flag(.asFile, nil, "Save the file to --path"), option(.path, "p", "Local path to save the file to (with --asFile)"),
                          flag(.withPermissions, nil, "Include the role assignments of the file's list item")],
                sets: [["url", "id"]],
                examples: [("Properties", "m365 spo file get --webUrl /sites/project-x --url 'Shared Documents/report.docx'"),
                           ("Download", "m365 spo file get --webUrl /sites/project-x --url 'Shared Documents/report.docx' --asFile --path report.docx")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let modes = [OptionKey<Bool>.asString, .asListItem, .asFile].filter { options.bool($0) }
            if modes.count > 1 { throw usage("specify only one of --asString, --asListItem or --asFile") }
            if options.bool(.asFile) && !options.has(.path) { throw usage("--asFile needs --path, the local file to save to") }
            if options.has(.path) && !options.bool(.asFile) { throw usage("--path is used only with --asFile") }
            if options.bool(.withPermissions) && (options.bool(.asFile) || options.bool(.asString)) {
                throw usage("--withPermissions cannot be used with --asFile or --asString")
            }
            let local = options.string(.path) ?? ""
            if options.bool(.asFile) {
                let directory = SPOPath.parent(local.hasPrefix("/") ? local : "./" + local)
                var info = stat()
                guard stat(directory.isEmpty ? "/" : directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                    throw usage("cannot save to \(local): the folder \(directory) does not exist")
                }
            }
            let web = try spo.webURL(options, .webUrl)
            let (label, path) = try fileBase(spo, web: web, options)
            do throws(PluginFailure) {
                if options.bool(.asFile) {
                    let answer = try spo.invocation.download(path("/$value", []), to: local)
                    guard answer.isSuccess else { throw spo.failure(answer, url: path("/$value", []), write: false) }
                } else if options.bool(.asString) {
                    let answer = try spo.answer("GET", path("/$value", []))
                    try spo.invocation.emit(result: .string(answer.text))
                } else if options.bool(.withPermissions) || options.bool(.asListItem) {
                    // As the CLI: the role assignments of the file's item beside the file (and in
                    // the item when it is the item that is printed), the item without its `ID`.
                    var file = try spo.get(path("", options.bool(.asListItem) ? [("$expand", "ListItemAllFields")] : []))
                    var item = file["ListItemAllFields"]?.objectValue ?? JSONObject()
                    if options.bool(.withPermissions) {
                        let assignments = try Permissions.friendlyAssignments(spo, path("/ListItemAllFields/RoleAssignments", [("$expand", "Member,RoleDefinitionBindings")]))
                        file["RoleAssignments"] = assignments
                        item["RoleAssignments"] = assignments
                    }
                    item["ID"] = nil
                    try spo.invocation.emit(result: options.bool(.asListItem) ? .object(item) : .object(file))
                } else {
                    try spo.invocation.emit(result: .object(try spo.get(path("", []))))
                }
            } catch { throw fileFailure(error, label) }
        },

        command("file add", "Uploads a file to the specified folder; other options (--Title 'x') are field values of its list item (differs from CLI for Microsoft 365: files above 10 MiB go up in 10 MiB chunks, where the CLI sends up to 250 MiB at once, so memory stays small and a retry resends little)",
                options: [webUrl, option(.folder, "f", "Site- or server-relative URL of the folder to upload to", required: true),
                          option(.path, "p", "Local path of the file to upload", required: true),
                          option(.fileName, nil, "Name of the file in SharePoint (default: the local file's name)"),
                          option(.overwrite, nil, "Replace a file of the same name (the default; --overwrite false refuses to)"),
                          option(.contentType, "c", "Content type name or ID to give the file"),
                          flag(.checkOut, nil, "Check the existing file out before the upload and in after it"),
                          option(.checkInComment, nil, "Comment for the check-in"),
                          flag(.approve, nil, "Approve the file after the upload"), option(.approveComment, nil, "Comment for the approval"),
                          flag(.publish, nil, "Publish the file after the upload"), option(.publishComment, nil, "Comment for the publication")],
                unknownOptions: true,
                examples: [("Upload", "m365 spo file add --webUrl /sites/project-x --folder 'Shared Documents' --path report.docx"),
                           ("Replace and set a field", "m365 spo file add --webUrl /sites/project-x --folder 'Shared Documents' --path report.docx --overwrite --Title 'Q1 report'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if options.has(.publishComment) && !options.bool(.publish) { throw usage("--publishComment needs --publish") }
            if options.has(.approveComment) && !options.bool(.approve) { throw usage("--approveComment needs --approve") }
            if options.has(.checkInComment) && !options.bool(.checkOut) && ListItemCommands.fields(options).isEmpty {
                throw usage("--checkInComment needs --checkOut")
            }
            let file = try LocalFileReader(options.string(.path) ?? "")
            let name = options.string(.fileName) ?? SPOPath.leaf(file.path)
            try SPOPath.checkName(name, option: options.has(.fileName) ? "fileName" : "path")
            let web = try spo.webURL(options, .webUrl)
            let folder = try SPOPath.serverRelative(options.string(.folder) ?? "", web: web, option: "folder")
            let fileURL = folder + "/" + name
            // As the CLI: replace an existing file unless told `--overwrite false`, and say so.
            if options.optionalBool(.overwrite) == nil {
                spo.invocation.log("In the next major version, the --overwrite option will default to false. To avoid this warning, please set the --overwrite option explicitly to true or false.",
                                   level: M365_LOG_WARNING)
            }
            let overwrite = options.optionalBool(.overwrite) ?? true
            var checkedOut = false
            if options.bool(.checkOut) {
                // The file must exist to be checked out: its 404 ends the command, as the CLI's.
                try spo.write(SPOPath.file(web, fileURL, "/CheckOut()"))
                checkedOut = true
            }
            do throws(PluginFailure) {
                var uploaded: JSON?
                do throws(PluginFailure) {
                    uploaded = try upload(spo, web: web, folder: folder, name: name, file: file, overwrite: overwrite)
                } catch {
                    // A folder that does not exist yet is created (with its parents), then the upload runs again.
                    guard error.status == M365_ERR_NOT_FOUND, error.description.contains("File Not Found") else { throw error }
                    _ = try FolderCommands.add(spo, web: web, folder, ensureParents: true)
                    uploaded = try upload(spo, web: web, folder: folder, name: name, file: file, overwrite: overwrite)
                }
                // As the CLI: the file's list is read for --contentType, --publish and --approve;
                // the content type must be the list's, and a moderated list is approved, not published.
                if options.has(.contentType) || options.bool(.publish) || options.bool(.approve) {
                    let list = try spo.get(SPOPath.file(web, fileURL, "/ListItemAllFields/ParentList",
                                                        query: [("$Select", "Id,EnableModeration,EnableVersioning,EnableMinorVersions")]))
                    if options.has(.contentType) {
                        _ = try ListItemCommands.contentTypeName(spo, list: web + "/_api/web/lists('\(list["Id"]?.stringValue ?? "")')", options)
                    }
                    if options.bool(.publish) && !options.bool(.approve), list["EnableModeration"]?.boolValue == true, list["EnableMinorVersions"]?.boolValue == true {
                        throw PluginFailure("The file cannot be published without approval. Moderation for this list is enabled. Use the --approve option instead of --publish to approve and publish the file")
                    }
                }
                var values = ListItemCommands.fields(options).map { (name: $0.name, value: $0.value) }
                if let type = options.string(.contentType) { values.append((name: "ContentType", value: type)) }
                if !values.isEmpty {
                    // As the CLI: the values go with the version just uploaded, and this call
                    // also checks in a file the command checked out (no CheckIn after it).
                    let form: [JSON] = values.map { ["FieldName": .string($0.name), "FieldValue": .string($0.value)] }
                    let body: JSONObject = ["formValues": .array(form), "bNewDocumentUpdate": true, "checkInComment": .string(options.string(.checkInComment) ?? "")]
                    let answer = try spo.write(SPOPath.file(web, fileURL, "/ListItemAllFields/ValidateUpdateListItem()"), body: .object(body))
                    checkedOut = false
                    let results = answer?["value"]?.arrayValue ?? answer?["d"]?["ValidateUpdateListItem"]?["results"]?.arrayValue ?? []
                    let failed = results.filter { $0["HasException"]?.boolValue == true }
                        .map { "\($0["FieldName"]?.stringValue ?? "?"): \($0["ErrorMessage"]?.stringValue ?? "invalid value")" }
                    if !failed.isEmpty { throw PluginFailure("SharePoint rejected field values: " + failed.joined(separator: "; ")) }
                }
                if checkedOut {
                    let comment = OData.quote(options.string(.checkInComment) ?? "")
                    try spo.write(SPOPath.file(web, fileURL, "/CheckIn(comment=@c,checkintype=0)", query: [("@c", comment)]))
                    checkedOut = false
                }
                if options.bool(.approve) {
                    try spo.write(SPOPath.file(web, fileURL, "/Approve(comment=@c)", query: [("@c", OData.quote(options.string(.approveComment) ?? ""))]))
                } else if options.bool(.publish) {
                    try spo.write(SPOPath.file(web, fileURL, "/Publish(comment=@c)", query: [("@c", OData.quote(options.string(.publishComment) ?? ""))]))
                }
                try spo.invocation.emit(result: uploaded.map { .object(SPOClient.unwrapVerbose($0.objectValue ?? [:])) } ?? .null)
            } catch {
                // The check-out this command made is undone (best effort).
                if checkedOut { _ = try? spo.write(SPOPath.file(web, fileURL, "/UndoCheckOut()")) }
                throw error
            }
        },

        command("file remove", "Removes the specified file", aliases: ["page template remove"],
                options: [webUrl, option(.url, nil, "Site- or server-relative URL of the file"), option(.id, "i", "UniqueId (GUID) of the file"),
                          flag(.recycle, nil, "Move the file to the recycle bin instead of deleting it"),
                          flag(.bypassSharedLock, nil, "Remove the file even while others have it open"), forceOption],
                sets: [["url", "id"]],
                examples: [("Into the recycle bin", "m365 spo file remove --webUrl /sites/project-x --url 'Shared Documents/old.docx' --recycle --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let (label, path) = try fileBase(spo, web: web, options)
            guard try spo.invocation.confirmedRemoval(options, "the file \(label)") else { return }
            // Removes a file another app holds open (co-authoring), as the CLI asks SharePoint to.
            let bypass: [(name: String, value: String)] = options.bool(.bypassSharedLock) ? [("Prefer", "bypass-shared-lock")] : []
            do throws(PluginFailure) {
                if options.bool(.recycle) {
                    try spo.write(path("/recycle()", []), tunnel: "DELETE", headers: bypass)
                } else {
                    try spo.write(path("", []), tunnel: "DELETE", headers: bypass)
                }
            } catch { throw fileFailure(error, label) }
        },
    ] + FileCheckOutCommands.all
}

/// `spo file checkout|checkin|checkout undo|rename|copy|move`.
enum FileCheckOutCommands {
    static let webUrl = FileCommands.webUrl
    /// `checkout` and `checkin` name the file by `--url` or `--id`, `checkout undo` by `--fileUrl` or
    /// `--fileId`, as CLI for Microsoft 365 does.
    static let byURLOrId = [option(.url, nil, "Site- or server-relative URL of the file"), option(.id, "i", "UniqueId (GUID) of the file")]

    static let checkInTypes = ["minor": 0, "major": 1, "overwrite": 2]

    /// Sends `POST <file>/<tail>`; a missing file is reported by the name the user gave.
    static func post(_ spo: SPOClient, _ options: Options, id: OptionKey<String>, url: OptionKey<String>, tail: String,
                     query: [(String, String?)] = []) throws(PluginFailure) {
        let web = try spo.webURL(options, .webUrl)
        let (label, path) = try FileCommands.fileBase(spo, web: web, options, id: id, url: url)
        do throws(PluginFailure) {
            try spo.write(path(tail, query))
        } catch { throw FileCommands.fileFailure(error, label) }
    }

    static let all: [PluginCommand] = [
        command("file checkout", "Checks out the specified file", options: [webUrl] + byURLOrId, sets: [["url", "id"]],
                examples: [("By URL", "m365 spo file checkout --webUrl /sites/project-x --url '/sites/project-x/Shared Documents/Plan.docx'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try post(spo, options, id: .id, url: .url, tail: "/checkout")
        },
        command("file checkout undo", "Discards the check-out of the specified file", aliases: ["file undocheckout"],
                options: [webUrl, option(.fileUrl, nil, "Site- or server-relative URL of the file"), option(.fileId, "i", "UniqueId (GUID) of the file"),
                          forceOption],
                sets: [["fileUrl", "fileId"]],
                examples: [("Without a prompt", "m365 spo file checkout undo --webUrl /sites/project-x --fileUrl 'Shared Documents/Plan.docx' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let file = options.string(.fileId) ?? options.string(.fileUrl) ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to undo the checkout for file \(file)?", needing: "undoing the checkout of \(file)") else { return }
            try post(spo, options, id: .fileId, url: .fileUrl, tail: "/undocheckout")
        },
        command("file checkin", "Checks in the specified file",
                options: [webUrl] + byURLOrId + [option(.type, "t", "Type of check-in", allowed: ["major", "minor", "overwrite"], defaultValue: "major"),
                                                 option(.comment, nil, "Comment for the check-in")],
                sets: [["url", "id"]]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = checkInTypes[options.string(.type) ?? "major"] ?? 1
            if (options.string(.comment) ?? "").count >= 1024 { throw usage("The length of the comment must be less than 1024 letters") }
            try post(spo, options, id: .id, url: .url, tail: "/checkin(comment=@c,checkintype=\(type))", query: [("@c", OData.quote(options.string(.comment) ?? ""))])
        },
        command("file rename", "Renames a file",
                options: [webUrl, option(.sourceUrl, "s", "Site- or server-relative URL of the file", required: true),
                          option(.targetFileName, "t", "New name of the file", required: true),
                          flag(.force, nil, "Move a file of the new name to the recycle bin first")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let name = options.string(.targetFileName) ?? ""
            try SPOPath.checkName(name, option: "targetFileName")
            let web = try spo.webURL(options, .webUrl)
            let url = try SPOPath.serverRelative(options.string(.sourceUrl) ?? "", web: web, option: "sourceUrl")
            let target = SPOPath.parent(url) + "/" + name
            // As the CLI: the file must exist; --force recycles a file of the new name; the item's
            // FileLeafRef is set and SharePoint's field results are printed.
            let answer: JSON?
            do throws(PluginFailure) {
                _ = try spo.get(SPOPath.file(web, url, query: [("$select", "UniqueId")]))
                if options.bool(.force) {
                    do throws(PluginFailure) { try spo.write(SPOPath.file(web, target, "/recycle()"), tunnel: "DELETE") } catch {
                        guard error.status == M365_ERR_NOT_FOUND else { throw error }
                    }
                }
                answer = try spo.write(SPOPath.file(web, url, "/ListItemAllFields/ValidateUpdateListItem()"),
                                       body: ["formValues": [["FieldName": "FileLeafRef", "FieldValue": .string(name)]]])
            } catch { throw FileCommands.fileFailure(error, url) }
            let results = answer?["value"]?.arrayValue ?? answer?["d"]?["ValidateUpdateListItem"]?["results"]?.arrayValue ?? []
            for failed in results where failed["HasException"]?.boolValue == true {
                spo.invocation.log("\(failed["FieldName"]?.stringValue ?? ""): \(failed["ErrorMessage"]?.stringValue ?? "")", level: M365_LOG_WARNING)
            }
            try spo.invocation.emit(result: .array(results))
        },
    ] + FileVersionCommands.all + ["copy", "move"].map { verb in
        command("file \(verb)", verb == "copy" ? "Copies a file to another folder" : "Moves a file to another folder",
                options: [webUrl, option(.sourceUrl, "s", "Site- or server-relative URL of the file"), option(.sourceId, "i", "UniqueId (GUID) of the file"),
                          option(.targetUrl, "t", "Server-relative or absolute URL of the target folder", required: true),
                          option(.newName, nil, "New name of the file at the target (the source's extension is kept when none is given)"),
                          option(.nameConflictBehavior, nil, "What to do when the target has a file of the same name",
                                 allowed: ["fail", "replace", "rename"], defaultValue: "fail"),
                          flag(.bypassSharedLock, nil, "Copy or move even when the file is open for co-authoring"),
                          verb == "copy" ? flag(.ignoreVersionHistory, nil, "Copy only the latest version")
                              : flag(.withItemPermissions, nil, "Keep the item's permissions"),
                          flag(.skipWait, nil, "Do not wait for SharePoint to finish (nothing is printed)")],
                sets: [["sourceUrl", "sourceId"]],
                examples: [("Into another folder", "m365 spo file \(verb) --webUrl https://contoso.sharepoint.com/sites/project-x --sourceUrl 'Shared Documents/a.docx' --targetUrl '/sites/project-x/Shared Documents/Archive'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.sourceId])
            let web = try spo.webURL(options, .webUrl)
            let source: String
            if let id = options.string(.sourceId) {
                do throws(PluginFailure) {
                    source = try spo.get(web + "/_api/Web/GetFileById(\(OData.quote(id)))/ServerRelativePath")["DecodedUrl"]?.stringValue ?? ""
                } catch { throw FileCommands.fileFailure(error, id) }
            } else {
                source = try SPOPath.serverRelative(options.string(.sourceUrl) ?? "", web: web, option: "sourceUrl")
            }
            let (origin, target) = CopyJobs.destination(web: web, options.string(.targetUrl) ?? "")
            var newName = options.string(.newName)
            if let name = newName, !name.contains("."), let dot = source.lastIndex(of: ".") { newName = name + source[dot...] }
            let job = try CopyJobs.start(spo, web: web, sources: [origin + source], destination: target, options: [
                "NameConflictBehavior": .number(Double(["fail", "replace", "rename"].firstIndex(of: options.string(.nameConflictBehavior) ?? "fail") ?? 0)),
                "AllowSchemaMismatch": true, "BypassSharedLock": .bool(options.bool(.bypassSharedLock)),
                "IgnoreVersionHistory": .bool(verb == "copy" && options.bool(.ignoreVersionHistory)),
                "IncludeItemPermissions": .bool(verb == "move" && options.bool(.withItemPermissions)),
                "CustomizedItemName": newName.map { [.string($0)] } ?? .null, "SameWebCopyMoveOptimization": true, "IsMoveMode": .bool(verb == "move"),
            ], what: source)
            if options.bool(.skipWait) { return }
            let done = try CopyJobs.wait(spo, web: web, job)
            let id = done["TargetObjectUniqueId"]?.stringValue ?? ""
            try spo.invocation.emit(result: .object(try spo.get(CopyJobs.targetWeb(target, done) + "/_api/Web/GetFileById(\(OData.quote(id)))")))
        }
    }
}

/// SharePoint's copy jobs (`Site/CreateCopyJobs`, `Site/GetCopyJobProgress`), as CLI for
/// Microsoft 365 copies and moves files and folders with them.
enum CopyJobs {
    /// The site's origin and the absolute destination: `--targetUrl` is server-relative (or
    /// absolute), whatever the web, as the CLI reads it; no trailing slash.
    static func destination(web: String, _ targetUrl: String) -> (origin: String, target: String) {
        let origin = web.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).prefix(3).joined(separator: "/")
        var target = targetUrl
        if !target.lowercased().hasPrefix("https://") { target = origin + (target.hasPrefix("/") ? "" : "/") + target }
        return (origin, SPOClient.trimSlash(target))
    }

    /// The target's web: the destination without the folder path SharePoint reports for the result.
    static func targetWeb(_ target: String, _ done: JSONObject) -> String {
        let relative = done["TargetObjectSiteRelativeUrl"]?.stringValue ?? ""
        let folder = "/" + (relative.lastIndex(of: "/").map { String(relative[..<$0]) } ?? "")
        let lower = Array(target.lowercased()), needle = Array(folder.lowercased())
        guard needle.count <= lower.count,
              let start = stride(from: lower.count - needle.count, through: 0, by: -1).first(where: { Array(lower[$0..<($0 + needle.count)]) == needle })
        else { return target }
        return String(target.prefix(start))
    }

    /// Starts one job; its description, for `wait`.
    static func start(_ spo: SPOClient, web: String, sources: [String], destination: String, options: JSONObject,
                      what: String) throws(PluginFailure) -> JSON {
        var body: JSONObject = ["destinationUri": .string(destination), "exportObjectUris": .array(sources.map(JSON.string))]
        var kept = JSONObject()
        for (name, value) in options where value != .null { kept[name] = value }
        body["options"] = .object(kept)
        let answer: JSON?
        do throws(PluginFailure) { answer = try spo.write(web + "/_api/Site/CreateCopyJobs", body: .object(body)) } catch { throw FileCommands.fileFailure(error, what) }
        guard let job = answer?["value"]?.arrayValue?.first else { throw PluginFailure("SharePoint started no copy job for \(what)", status: M365_ERR_SERVER) }
        return job
    }

    /// Polls the job every 3 seconds until it ends; its `JobFinishedObjectInfo`, or its error.
    static func wait(_ spo: SPOClient, web: String, _ job: JSON) throws(PluginFailure) -> JSONObject {
        var logs: [JSONObject] = []
        var polls = 0
        while true {
            let progress = try spo.write(web + "/_api/Site/GetCopyJobProgress", body: ["copyJobInfo": job])
            logs += (progress?["Logs"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { try? JSON.parse($0) }?.objectValue }
            polls += 1
            let finished = progress?["JobState"]?.intValue == 0
            if let failure = logs.first(where: { $0["Event"]?.stringValue == "JobError" }) {
                throw PluginFailure(oneLine(failure["Message"]?.stringValue ?? "the copy job failed"))
            }
            if finished, let info = logs.first(where: { $0["Event"]?.stringValue == "JobFinishedObjectInfo" }) { return info }
            // A finished job may report its object a poll later, not two.
            if finished && polls > 1 { throw PluginFailure("SharePoint finished the copy job without naming its result", status: M365_ERR_SERVER) }
            if !finished {
                if polls == 1 { spo.invocation.log("Waiting for the copy job to complete...") }
                try pause(seconds: 3, invocation: spo.invocation)
            }
        }
    }
}

/// `spo file version list|get|restore|remove|clear`: earlier versions of a file.
enum FileVersionCommands {
    static let options = [FileCommands.webUrl, option(.fileUrl, nil, "Site- or server-relative URL of the file"),
                          option(.fileId, "i", "UniqueId (GUID) of the file")]
    static let sets = [["fileUrl", "fileId"]]
    static let label = option(.label, nil, "Label of the version, e.g. 1.0", required: true)

    static func base(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> (web: String, label: String, path: (String, [(String, String?)]) -> String) {
        let web = try spo.webURL(options, .webUrl)
        let (label, path) = try FileCommands.fileBase(spo, web: web, options, id: .fileId, url: .fileUrl)
        return (web, label, path)
    }

    static let all: [PluginCommand] = [
        command("file version list", "Retrieves all versions of a file", options: options, sets: sets,
                defaults: ["Created", "ID", "IsCurrentVersion", "VersionLabel", "ExpirationDate"]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, label, path) = try base(spo, options)
            // SharePoint sends a version's expiry only when asked for it by name.
            do throws(PluginFailure) { try spo.list(path("/versions", [("$select", "*,ExpirationDate")])) } catch { throw FileCommands.fileFailure(error, label) }
        },
        command("file version get", "Gets a version of a file", options: options + [label], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, name, path) = try base(spo, options)
            let wanted = options.string(.label) ?? ""
            var found: JSONObject?
            do throws(PluginFailure) {
                try spo.forEachItem(path("/versions", [("$filter", "VersionLabel eq \(OData.quote(wanted))"), ("$select", "*,ExpirationDate")])) { version throws(PluginFailure) in
                    if found == nil { found = version }
                }
            } catch { throw FileCommands.fileFailure(error, name) }
            // As the CLI: nothing printed, and success, when there is no such version.
            guard let found else {
                spo.invocation.log("Version with label '\(wanted)' not found")
                return
            }
            try spo.invocation.emit(result: .object(found))
        },
        command("file version restore", "Restores a version of a file", options: options + [label, forceOption], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (web, name, path) = try base(spo, options)
            let wanted = options.string(.label) ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to restore the version \(wanted) of the file \(name)?", needing: "restoring a version") else { return }
            do throws(PluginFailure) {
                try spo.write(path("/versions/RestoreByLabel(\(pathLiteral(wanted)))", []))
            } catch { throw FileCommands.fileFailure(error, name) }
        },
        command("file version remove", "Removes a version of a file", options: options + [label, forceOption], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (web, name, path) = try base(spo, options)
            let wanted = options.string(.label) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the version \(wanted) of the file \(name)") else { return }
            do throws(PluginFailure) {
                // An HTTP DELETE with the label in place, as the CLI sends it.
                try spo.send("DELETE", path("/versions/DeleteByLabel(\(pathLiteral(wanted)))", []))
            } catch { throw FileCommands.fileFailure(error, name) }
        },
        command("file version clear", "Removes every earlier version of a file", options: options + [forceOption], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (web, name, path) = try base(spo, options)
            guard try spo.invocation.confirmedRemoval(options, "every earlier version of the file \(name)") else { return }
            do throws(PluginFailure) {
                try spo.write(path("/versions/DeleteAll()", []))
            } catch { throw FileCommands.fileFailure(error, name) }
        },
    ]
}
