import PluginKit

/// SharePoint's client object model over `_vti_bin/client.svc/ProcessQuery`: a request is
/// built from typed object paths and actions (never pasted XML), and the answer is read back by
/// action id. Shapes: protocols.md §3.6.
struct CSOMRequest {
    /// An object the server evaluates lazily: a constructor, an identity, a property or a method
    /// result, addressed by its id in the request.
    struct Path: Equatable { fileprivate let id: Int }

    /// A parameter value with the type name CSOM expects.
    enum Value: Sendable {
        case string(String)
        case bool(Bool)
        case int32(Int)
        case int64(Int)
        case uint32(Int)
        case double(Double)
        case enumeration(Int)
        case guid(String)
        case null
        case array([Value])
        /// A structured value (`SiteCreationProperties`, filters): its type id and properties.
        case structure(typeId: String, [(name: String, value: Value)])
        /// An object of the request, as a structure's property (`FieldLinkCreationInformation.Field`).
        case path(Path)
    }

    private var actions: [String] = []
    private var paths: [String] = []
    private var nextId = 1

    private mutating func newId() -> Int {
        defer { nextId += 1 }
        return nextId
    }

    // MARK: Object paths

    mutating func constructor(typeId: String) -> Path {
        let id = newId()
        paths.append("<Constructor Id=\"\(id)\" TypeId=\"\(typeId)\" />")
        return Path(id: id)
    }

    /// A static property of a type: `Current` of the client context (its `Site`, `Web`).
    mutating func staticProperty(_ name: String, typeId: String) -> Path {
        let id = newId()
        paths.append("<StaticProperty Id=\"\(id)\" TypeId=\"\(typeId)\" Name=\"\(Self.escape(name))\" />")
        return Path(id: id)
    }

    /// A static method's result (`TaxonomySession.GetTaxonomySession`).
    mutating func staticMethod(_ name: String, typeId: String) -> Path {
        let id = newId()
        paths.append("<StaticMethod Id=\"\(id)\" Name=\"\(Self.escape(name))\" TypeId=\"\(typeId)\" />")
        return Path(id: id)
    }

    /// `SP.RequestContext`, whose `Current` is the site and web a request is sent to.
    static let contextTypeId = "{3747adcd-a3c3-41b9-bfab-4a64dd2f1e0a}"

    /// An object obtained earlier, by its `_ObjectIdentity_`.
    mutating func identity(_ name: String) -> Path {
        let id = newId()
        paths.append("<Identity Id=\"\(id)\" Name=\"\(Self.escape(name))\" />")
        return Path(id: id)
    }

    mutating func property(_ name: String, of parent: Path) -> Path {
        let id = newId()
        paths.append("<Property Id=\"\(id)\" ParentId=\"\(parent.id)\" Name=\"\(Self.escape(name))\" />")
        return Path(id: id)
    }

    /// The object a method returns, usable as the parent of further paths and actions.
    mutating func method(_ name: String, of parent: Path, _ parameters: [Value] = []) -> Path {
        let id = newId()
        paths.append("<Method Id=\"\(id)\" ParentId=\"\(parent.id)\" Name=\"\(Self.escape(name))\">\(Self.parameters(parameters))</Method>")
        return Path(id: id)
    }

    // MARK: Actions (each returns the id its result is keyed by in the response)

    /// Materializes a path: the server answers `{"IsNull":false}` once it exists.
    @discardableResult
    mutating func objectPath(_ path: Path) -> Int {
        let id = newId()
        actions.append("<ObjectPath Id=\"\(id)\" ObjectPathId=\"\(path.id)\" />")
        return id
    }

    /// Asks for an object's `_ObjectType_` and `_ObjectIdentity_`.
    @discardableResult
    mutating func objectIdentityQuery(_ path: Path) -> Int {
        let id = newId()
        actions.append("<ObjectIdentityQuery Id=\"\(id)\" ObjectPathId=\"\(path.id)\" />")
        return id
    }

    /// Loads an object's properties: all of them (`nil`) or the named scalar ones; `children`
    /// also loads every item of a collection (`_Child_Items_`).
    /// `alsoNamed`: every property and these, which SharePoint leaves out of "all" (the tenant's
    /// `HideDefaultThemes`).
    mutating func query(_ path: Path, properties: [String]? = nil, alsoNamed: [String] = [], children: Bool = false) -> Int {
        let id = newId()
        let select = Self.select(properties, alsoNamed: alsoNamed)
        let child = children ? "<ChildItemQuery SelectAllProperties=\"true\"><Properties /></ChildItemQuery>" : ""
        actions.append("<Query Id=\"\(id)\" ObjectPathId=\"\(path.id)\">\(select)\(child)</Query>")
        return id
    }

    /// Calls a method for its return value (a scalar, an array, or nothing).
    @discardableResult
    mutating func call(_ name: String, on path: Path, _ parameters: [Value] = []) -> Int {
        let id = newId()
        actions.append("<Method Name=\"\(Self.escape(name))\" Id=\"\(id)\" ObjectPathId=\"\(path.id)\">\(Self.parameters(parameters))</Method>")
        return id
    }

    mutating func set(_ name: String, on path: Path, _ value: Value) {
        let id = newId()
        actions.append("<SetProperty Id=\"\(id)\" ObjectPathId=\"\(path.id)\" Name=\"\(Self.escape(name))\">\(Self.parameter(value))</SetProperty>")
    }

    var isEmpty: Bool { actions.isEmpty }

    /// The request document.
    func xml(applicationName: String) -> String {
        "<Request AddExpandoFieldTypeSuffix=\"true\" SchemaVersion=\"15.0.0.0\" LibraryVersion=\"16.0.0.0\" ApplicationName=\"\(Self.escape(applicationName))\" xmlns=\"http://schemas.microsoft.com/sharepoint/clientquery/2009\"><Actions>"
            + actions.joined() + "</Actions><ObjectPaths>" + paths.joined() + "</ObjectPaths></Request>"
    }

    // MARK: XML

    private static func select(_ properties: [String]?, alsoNamed: [String]) -> String {
        let listed = (properties ?? alsoNamed).map { "<Property Name=\"\(escape($0))\" ScalarProperty=\"true\" />" }.joined()
        if properties == nil && listed.isEmpty { return "<Query SelectAllProperties=\"true\"><Properties /></Query>" }
        return "<Query SelectAllProperties=\"\(properties == nil)\"><Properties>\(listed)</Properties></Query>"
    }

    private static func parameters(_ values: [Value]) -> String {
        values.isEmpty ? "" : "<Parameters>" + values.map(parameter).joined() + "</Parameters>"
    }

    private static func parameter(_ value: Value) -> String {
        switch value {
        case let .structure(typeId, properties):
            return "<Parameter TypeId=\"\(typeId)\">\(structureProperties(properties))</Parameter>"
        case .null:
            return "<Parameter Type=\"Null\" />"
        default:
            let (type, text) = typed(value)
            return "<Parameter Type=\"\(type)\">\(text)</Parameter>"
        }
    }

    private static func structureProperties(_ properties: [(name: String, value: Value)]) -> String {
        properties.map { property in
            if case let .path(path) = property.value { return "<Property Name=\"\(escape(property.name))\" ObjectPathId=\"\(path.id)\" />" }
            let (type, text) = typed(property.value)
            return "<Property Name=\"\(escape(property.name))\" Type=\"\(type)\">\(text)</Property>"
        }.joined()
    }

    /// The CSOM type name of a value and its text.
    private static func typed(_ value: Value) -> (String, String) {
        switch value {
        case let .string(s): return ("String", escape(s))
        case let .bool(b): return ("Boolean", b ? "true" : "false")
        case let .int32(n): return ("Int32", String(n))
        case let .int64(n): return ("Int64", String(n))
        case let .uint32(n): return ("UInt32", String(n))
        case let .double(d): return ("Double", d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d))
        case let .enumeration(n): return ("Enum", String(n))
        case let .guid(g): return ("Guid", "{" + escape(g) + "}")
        case .null: return ("Null", "")
        case let .array(items):
            return ("Array", items.map { item in
                if case let .structure(typeId, properties) = item { return "<Object TypeId=\"\(typeId)\">\(structureProperties(properties))</Object>" }
                let (type, text) = typed(item)
                return "<Object Type=\"\(type)\">\(text)</Object>"
            }.joined())
        case .structure, .path: return ("Null", "")
        }
    }

    /// Text and attribute escaping; a newline (inside object identities) as `&#xA;`.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#xA;"
            case "\r": out += "&#xD;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// A ProcessQuery answer: `[header, id, result, id, result, …]`. The body is kept as SharePoint
/// sent it and only the element boundaries are found up front: a result is parsed when asked
/// for, and a collection's items can go out as their text without being built (site listings).
struct CSOMResponse {
    private let body: [UInt8]
    private var results: [Int: Range<Int>] = [:]

    private init(body: [UInt8]) { self.body = body }

    static let notCSOM = CSOMError(message: "SharePoint sent a ProcessQuery answer that is not a CSOM result array", code: 0, typeName: "")

    /// Finds the results; `ErrorInfo` in the header becomes the failure.
    static func parse(_ body: [UInt8]) -> Result<CSOMResponse, CSOMError> {
        var response = CSOMResponse(body: body)
        let ranges: [Range<Int>]
        do {
            ranges = try body.withUnsafeBytes { bytes throws(JSONParseError) in try JSON.elementRanges(ofArrayIn: bytes) }
        } catch {
            return .failure(notCSOM)
        }
        guard let first = ranges.first, let header = try? JSON.parse(bytes: body[first]).objectValue else { return .failure(notCSOM) }
        if let info = header["ErrorInfo"]?.objectValue {
            let message = info["ErrorMessage"]?.stringValue ?? "SharePoint reported an error without a message"
            return .failure(CSOMError(message: message, code: info["ErrorCode"]?.intValue ?? 0,
                                      typeName: info["ErrorTypeName"]?.stringValue ?? ""))
        }
        var index = 1
        while index + 1 < ranges.count {
            if let id = Int(String(decoding: body[ranges[index]], as: UTF8.self)) { response.results[id] = ranges[index + 1] }
            index += 2
        }
        return .success(response)
    }

    subscript(id: Int) -> JSON? { results[id].flatMap { try? JSON.parse(bytes: body[$0]) } }

    /// An object result, or a failure naming what was expected.
    func object(_ id: Int, _ what: String) throws(PluginFailure) -> JSONObject {
        guard let object = self[id]?.objectValue else {
            throw PluginFailure("SharePoint's ProcessQuery answer has no \(what)", status: M365_ERR_SERVER)
        }
        return object
    }

    /// A collection result (`_Child_Items_`) read in one pass: where each item is, and the
    /// result's other members (`NextStartIndexFromSharePoint`, …), known before any item is
    /// handed over (`forEachText`).
    func children(of id: Int) throws(PluginFailure) -> (items: [Range<Int>], others: JSONObject) {
        guard let range = results[id] else { throw PluginFailure("SharePoint's ProcessQuery answer has no collection", status: M365_ERR_SERVER) }
        let scanned = body.withUnsafeBytes { bytes in
            Result { () throws(JSONParseError) in try JSON.elementRanges(ofMember: "_Child_Items_", in: UnsafeRawBufferPointer(rebasing: bytes[range])) }
        }
        switch scanned {
        case let .success((items, others)):
            return (items.map { ($0.lowerBound + range.lowerBound)..<($0.upperBound + range.lowerBound) }, others)
        case let .failure(error):
            throw PluginFailure("SharePoint sent a collection without _Child_Items_ (\(error))", status: M365_ERR_SERVER)
        }
    }

    /// Hands over the text SharePoint sent at each of `ranges` (from `children`), never built
    /// into values.
    func forEachText(_ ranges: [Range<Int>], _ item: (UnsafeRawBufferPointer) throws(PluginFailure) -> Void) throws(PluginFailure) {
        var refused: PluginFailure?
        body.withUnsafeBytes { bytes in
            for range in ranges {
                do throws(PluginFailure) { try item(UnsafeRawBufferPointer(rebasing: bytes[range])) } catch { refused = error; return }
            }
        }
        if let refused { throw refused }
    }
}

/// CSOM's `ErrorInfo`.
struct CSOMError: Error {
    let message: String
    let code: Int
    let typeName: String

    var isAccessDenied: Bool { typeName.hasSuffix("UnauthorizedAccessException") || code == -2147024891 }
    var isNotFound: Bool { typeName.hasSuffix("SpoNoSiteException") || typeName.hasSuffix("FileNotFoundException") || code == -2147024894 }
}
