import PluginKit

/// `spo list sitescript get`: the site script SharePoint extracts from a list
/// (`SiteScriptUtility.GetSiteScriptFromList`), as CLI for Microsoft 365 asks for it.
enum ListSiteScriptCommands {
    static let all: [PluginCommand] = [
        command("list sitescript get", "Extracts a site script from a SharePoint list",
                options: [option(.webUrl, "u", "URL of the site where the list is located", required: true),
                          option(.listId, "l", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list")],
                sets: [["listId", "listTitle", "listUrl"]],
                examples: [("By title", "m365 spo list sitescript get --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle ContosoList"),
                           ("By site-relative URL", "m365 spo list sitescript get --webUrl /sites/project-x --listUrl 'Shared Documents'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId])
            let web = try spo.webURL(options, .webUrl)
            // As the CLI: a URL is taken as given; an id or title is looked up for the root folder's URL.
            let listURL: String
            if let url = options.string(.listUrl) {
                listURL = SPOClient.serverRelative(listURL: url, web: web)
            } else {
                let list = try spo.get(try ListSelector.forItems.path(web, options) + "?$expand=RootFolder")
                guard let url = list["RootFolder"]?["ServerRelativeUrl"]?.stringValue else {
                    throw PluginFailure("SharePoint did not return the list's root folder", status: M365_ERR_SERVER)
                }
                listURL = url
            }
            let origin = "https://" + SPOClient.host(web)
            let answer = try spo.send("POST", web + "/_api/Microsoft_SharePoint_Utilities_WebTemplateExtensions_SiteScriptUtility_GetSiteScriptFromList",
                                      body: ["listUrl": .string(origin + listURL)])
            guard let script = answer?["value"], script != .null, script.stringValue != "" else {
                throw PluginFailure("An error has occurred, the site script could not be extracted from list '\(options.string(.listId) ?? options.string(.listTitle) ?? "")'")
            }
            try spo.invocation.emit(result: script)
        },
    ]
}
