import PluginKit

/// The options this module's commands declare and read, by name and value type: a declaration
/// and its reads share one handle, so a misspelt name does not compile.

extension OptionKey where Value == String {
    static var allowedMembers: Self { Self("allowedMembers") }
    static var apisApplication: Self { Self("apisApplication") }
    static var apisDelegated: Self { Self("apisDelegated") }
    static var appDisplayName: Self { Self("appDisplayName") }
    static var appId: Self { Self("appId") }
    static var appName: Self { Self("appName") }
    static var appObjectId: Self { Self("appObjectId") }
    static var applicationPermissions: Self { Self("applicationPermissions") }
    static var certificateBase64Encoded: Self { Self("certificateBase64Encoded") }
    static var certificateDisplayName: Self { Self("certificateDisplayName") }
    static var certificateFile: Self { Self("certificateFile") }
    static var claim: Self { Self("claim") }
    static var clientId: Self { Self("clientId") }
    static var delegatedPermissions: Self { Self("delegatedPermissions") }
    static var description: Self { Self("description") }
    static var email: Self { Self("email") }
    static var filter: Self { Self("filter") }
    static var grantId: Self { Self("grantId") }
    static var groupId: Self { Self("groupId") }
    static var groupName: Self { Self("groupName") }
    static var ids: Self { Self("ids") }
    static var mailNickname: Self { Self("mailNickname") }
    static var managerUserId: Self { Self("managerUserId") }
    static var managerUserName: Self { Self("managerUserName") }
    static var memberIds: Self { Self("memberIds") }
    static var memberUserNames: Self { Self("memberUserNames") }
    static var members: Self { Self("members") }
    static var name: Self { Self("name") }
    static var newDisplayName: Self { Self("newDisplayName") }
    static var newPassword: Self { Self("newPassword") }
    static var objectId: Self { Self("objectId") }
    static var ownerIds: Self { Self("ownerIds") }
    static var ownerUserNames: Self { Self("ownerUserNames") }
    static var owners: Self { Self("owners") }
    static var password: Self { Self("password") }
    static var platform: Self { Self("platform") }
    static var principal: Self { Self("principal") }
    static var redirectUris: Self { Self("redirectUris") }
    static var redirectUrisToRemove: Self { Self("redirectUrisToRemove") }
    static var resource: Self { Self("resource") }
    static var resourceId: Self { Self("resourceId") }
    static var role: Self { Self("role") }
    static var roleDefinitionId: Self { Self("roleDefinitionId") }
    static var roleDefinitionName: Self { Self("roleDefinitionName") }
    static var scope: Self { Self("scope") }
    static var scopes: Self { Self("scopes") }
    static var spObjectId: Self { Self("spObjectId") }
    static var tag: Self { Self("tag") }
    static var type: Self { Self("type") }
    static var uri: Self { Self("uri") }
    static var uris: Self { Self("uris") }
    static var userEmail: Self { Self("userEmail") }
    static var userId: Self { Self("userId") }
    static var userIds: Self { Self("userIds") }
    static var userName: Self { Self("userName") }
    static var userNames: Self { Self("userNames") }
    static var visibility: Self { Self("visibility") }
}

extension OptionKey where Value == Bool {
    static var accountEnabled: Self { Self("accountEnabled") }
    static var allowPublicClientFlows: Self { Self("allowPublicClientFlows") }
    static var forceChangePasswordNextSignIn: Self { Self("forceChangePasswordNextSignIn") }
    static var forceChangePasswordNextSignInWithMfa: Self { Self("forceChangePasswordNextSignInWithMfa") }
    static var grantAdminConsent: Self { Self("grantAdminConsent") }
    static var hiddenMembership: Self { Self("hiddenMembership") }
    static var implicitFlow: Self { Self("implicitFlow") }
    static var multitenant: Self { Self("multitenant") }
    static var removeManager: Self { Self("removeManager") }
    static var resetPassword: Self { Self("resetPassword") }
    static var securityEnabledOnly: Self { Self("securityEnabledOnly") }
    static var withManager: Self { Self("withManager") }
    static var withSecret: Self { Self("withSecret") }
}
