import PluginKit

/// The options this module's commands declare and read, by name and value type: a declaration
/// and its reads share one handle, so a misspelt name does not compile.

extension OptionKey where Value == String {
    static var appliedCategories: Self { Self("appliedCategories") }
    static var assignedToUserIds: Self { Self("assignedToUserIds") }
    static var assignedToUserNames: Self { Self("assignedToUserNames") }
    static var assigneePriority: Self { Self("assigneePriority") }
    static var attachment: Self { Self("attachment") }
    static var bcc: Self { Self("bcc") }
    static var bodyContent: Self { Self("bodyContent") }
    static var bodyContents: Self { Self("bodyContents") }
    static var bodyContentType: Self { Self("bodyContentType") }
    static var bucketId: Self { Self("bucketId") }
    static var bucketName: Self { Self("bucketName") }
    static var categories: Self { Self("categories") }
    static var cc: Self { Self("cc") }
    static var changeTypes: Self { Self("changeTypes") }
    static var channelId: Self { Self("channelId") }
    static var channelName: Self { Self("channelName") }
    static var clientState: Self { Self("clientState") }
    static var completedDateTime: Self { Self("completedDateTime") }
    static var contentType: Self { Self("contentType") }
    static var description: Self { Self("description") }
    static var distributionMethod: Self { Self("distributionMethod") }
    static var dueDateTime: Self { Self("dueDateTime") }
    static var encryptionCertificate: Self { Self("encryptionCertificate") }
    static var encryptionCertificateId: Self { Self("encryptionCertificateId") }
    static var endTime: Self { Self("endTime") }
    static var expirationDateTime: Self { Self("expirationDateTime") }
    static var filePath: Self { Self("filePath") }
    static var folderId: Self { Self("folderId") }
    static var folderName: Self { Self("folderName") }
    static var folderPath: Self { Self("folderPath") }
    static var importance: Self { Self("importance") }
    static var latestSupportedTlsVersion: Self { Self("latestSupportedTlsVersion") }
    static var latestTLSVersion: Self { Self("latestTLSVersion") }
    static var lifecycleNotificationUrl: Self { Self("lifecycleNotificationUrl") }
    static var listId: Self { Self("listId") }
    static var listName: Self { Self("listName") }
    static var mailbox: Self { Self("mailbox") }
    static var memberEmails: Self { Self("memberEmails") }
    static var memberIds: Self { Self("memberIds") }
    static var memberUserNames: Self { Self("memberUserNames") }
    static var message: Self { Self("message") }
    static var name: Self { Self("name") }
    static var notificationUrl: Self { Self("notificationUrl") }
    static var notificationUrlAppId: Self { Self("notificationUrlAppId") }
    static var orderHint: Self { Self("orderHint") }
    static var outputFile: Self { Self("outputFile") }
    static var owner: Self { Self("owner") }
    static var ownerEmails: Self { Self("ownerEmails") }
    static var ownerGroupId: Self { Self("ownerGroupId") }
    static var ownerGroupName: Self { Self("ownerGroupName") }
    static var ownerIds: Self { Self("ownerIds") }
    static var ownerUserNames: Self { Self("ownerUserNames") }
    static var path: Self { Self("path") }
    static var planId: Self { Self("planId") }
    static var planTitle: Self { Self("planTitle") }
    static var previewType: Self { Self("previewType") }
    static var priority: Self { Self("priority") }
    static var reminderDateTime: Self { Self("reminderDateTime") }
    static var resource: Self { Self("resource") }
    static var role: Self { Self("role") }
    static var rosterId: Self { Self("rosterId") }
    static var sender: Self { Self("sender") }
    static var since: Self { Self("since") }
    static var sourceFolderId: Self { Self("sourceFolderId") }
    static var sourceFolderName: Self { Self("sourceFolderName") }
    static var startDateTime: Self { Self("startDateTime") }
    static var startTime: Self { Self("startTime") }
    static var status: Self { Self("status") }
    static var subject: Self { Self("subject") }
    static var targetFolderId: Self { Self("targetFolderId") }
    static var targetFolderName: Self { Self("targetFolderName") }
    static var targetTypes: Self { Self("targetTypes") }
    static var teamId: Self { Self("teamId") }
    static var teamName: Self { Self("teamName") }
    static var template: Self { Self("template") }
    static var title: Self { Self("title") }
    static var to: Self { Self("to") }
    static var type: Self { Self("type") }
    static var userId: Self { Self("userId") }
    static var userName: Self { Self("userName") }
    static var userNames: Self { Self("userNames") }
}

extension OptionKey where Value == Double {
    static var pageNumber: Self { Self("pageNumber") }
    static var pageSize: Self { Self("pageSize") }
    static var percentComplete: Self { Self("percentComplete") }
}

extension OptionKey where Value == Bool {
    static var withResourceData: Self { Self("withResourceData") }
    static var associated: Self { Self("associated") }
    static var joined: Self { Self("joined") }
    static var overwrite: Self { Self("overwrite") }
    static var primary: Self { Self("primary") }
    static var recursive: Self { Self("recursive") }
    static var saveToSentItems: Self { Self("saveToSentItems") }
    static var shouldSetSpoSiteReadOnlyForMembers: Self { Self("shouldSetSpoSiteReadOnlyForMembers") }
    static var wait: Self { Self("wait") }
}
