/// The tenant every emulator serves unless `--seed` names another file: "contoso".
/// The certificate app's private key (for tests and demos) is Tests/EmulatorTests/Fixtures/cert-app.key.pem.
public enum DefaultSeed {
    public static let json = #"""
{
  "tenants": [
    {
      "id": "9657196e-8d5e-466d-8046-6eda47ab4aad",
      "displayName": "Contoso",
      "domains": [
        "contoso.onmicrosoft.com",
        "contoso.com"
      ],
      "sharePointTenantName": "contoso",
      "cloud": "Public",
      "countryLetterCode": "US",
      "users": [
        {
          "id": "26628bb8-d313-4b2e-8169-0b92f8d54f2d",
          "userPrincipalName": "admin@contoso.onmicrosoft.com",
          "displayName": "MOD Administrator",
          "givenName": "MOD",
          "surname": "Administrator",
          "mail": "admin@contoso.onmicrosoft.com",
          "jobTitle": "IT Administrator",
          "password": "Adm1n!Passw0rd",
          "directoryRoles": [
            "62e90394-69f5-4237-9190-012177145e10"
          ],
          "usageLocation": "US",
          "department": "IT"
        },
        {
          "id": "50c76ef9-2b4f-46b8-91c3-7e65e3c6cf4e",
          "userPrincipalName": "adele.vance@contoso.com",
          "displayName": "Adele Vance",
          "givenName": "Adele",
          "surname": "Vance",
          "mail": "adele.vance@contoso.com",
          "jobTitle": "Retail Manager",
          "password": "Adele!Passw0rd",
          "usageLocation": "US",
          "department": "Retail",
          "manager": "megan.bowen@contoso.com"
        },
        {
          "id": "c3b7e6f9-dd4e-4e84-a28c-9af85b134cc2",
          "userPrincipalName": "megan.bowen@contoso.com",
          "displayName": "Megan Bowen",
          "givenName": "Megan",
          "surname": "Bowen",
          "mail": "megan.bowen@contoso.com",
          "jobTitle": "Marketing Manager",
          "password": "Megan!Passw0rd",
          "usageLocation": "US",
          "department": "Marketing"
        },
        {
          "id": "bba51a5f-2897-41a7-a2c2-dc0fdfeed816",
          "userPrincipalName": "former.employee@contoso.com",
          "displayName": "Former Employee",
          "password": "Former!Passw0rd",
          "accountEnabled": false
        },
        {
          "id": "87c76886-3409-4a9a-b61e-a3a4fcf98e05",
          "userPrincipalName": "lidia.holloway@contoso.com",
          "displayName": "Lidia Holloway",
          "givenName": "Lidia",
          "surname": "Holloway",
          "mail": "lidia.holloway@contoso.com",
          "jobTitle": "Product Manager",
          "password": "Lidia!Passw0rd",
          "mfaRequired": true
        }
      ],
      "groups": [
        {
          "id": "779c7b9d-cb9d-4874-aeac-b79f9d6b29e8",
          "displayName": "All Company",
          "mailNickname": "allcompany",
          "description": "This is the default group for everyone in the network",
          "securityEnabled": false,
          "mailEnabled": true,
          "groupTypes": [
            "Unified"
          ],
          "members": [
            "admin@contoso.onmicrosoft.com",
            "adele.vance@contoso.com",
            "megan.bowen@contoso.com",
            "lidia.holloway@contoso.com"
          ],
          "owners": [
            "admin@contoso.onmicrosoft.com"
          ]
        },
        {
          "id": "80f810ee-a906-4270-8827-743580252680",
          "displayName": "Sales and Marketing",
          "mailNickname": "SalesAndMarketing",
          "description": "Sales and Marketing team",
          "securityEnabled": false,
          "mailEnabled": true,
          "groupTypes": [
            "Unified"
          ],
          "members": [
            "adele.vance@contoso.com",
            "megan.bowen@contoso.com"
          ],
          "owners": [
            "megan.bowen@contoso.com"
          ]
        },
        {
          "id": "b6f009ce-1ea0-491f-a9a3-d9cd60559893",
          "displayName": "IT Admins",
          "mailNickname": "itadmins",
          "description": "Security group for IT administrators",
          "securityEnabled": true,
          "mailEnabled": false,
          "groupTypes": [],
          "members": [
            "admin@contoso.onmicrosoft.com"
          ],
          "owners": [
            "admin@contoso.onmicrosoft.com"
          ]
        }
      ],
      "applications": [
        {
          "appId": "dccb2514-078b-4158-a8c5-9c9238e27952",
          "id": "3651443d-0e9a-453f-9369-0301867f3f00",
          "displayName": "m365 CLI",
          "isPublicClient": true,
          "signInAudience": "AzureADMyOrg",
          "requiredResourceAccess": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "scopes": [
                "User.Read",
                "User.Read.All",
                "User.ReadWrite.All",
                "Group.ReadWrite.All",
                "Directory.ReadWrite.All",
                "Application.ReadWrite.All",
                "Sites.FullControl.All",
                "Files.ReadWrite.All",
                "Mail.ReadWrite",
                "Mail.Send",
                "MailboxSettings.ReadWrite",
                "Team.ReadBasic.All",
                "ChannelMessage.Read.All",
                "ChannelMessage.Send",
                "Chat.Read",
                "Tasks.ReadWrite"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "scopes": [
                "AllSites.FullControl",
                "User.ReadWrite.All",
                "TermStore.ReadWrite.All"
              ]
            }
          ]
        },
        {
          "appId": "539f7720-4b42-49e3-99d6-244b2bfe9858",
          "id": "75966c73-cd28-4be2-98a4-a40e100c65dd",
          "displayName": "Contoso Automation (secret)",
          "isPublicClient": false,
          "signInAudience": "AzureADMyOrg",
          "secrets": [
            {
              "keyId": "9b5c67d1-ff73-46b3-afd3-2ddda8b8aff7",
              "displayName": "automation",
              "value": "Aut0mation~Secret.Value_0123456789abcdef"
            },
            {
              "keyId": "5a21de88-8ccb-4830-b13b-f23482b17c39",
              "displayName": "expired",
              "value": "Expired~Secret.Value_0123456789abcdef",
              "endDateTime": "2024-01-01T00:00:00Z"
            }
          ],
          "requiredResourceAccess": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "scopes": [
                "User.Read",
                "Sites.Read.All"
              ],
              "roles": [
                "User.Read.All",
                "Group.Read.All",
                "Sites.Read.All"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "roles": [
                "Sites.FullControl.All"
              ]
            }
          ]
        },
        {
          "appId": "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2",
          "id": "a238cd8c-d87f-45a1-b9af-44b30817f4dc",
          "displayName": "Contoso Daemon (certificate)",
          "isPublicClient": false,
          "signInAudience": "AzureADMyOrg",
          "certificates": [
            {
              "keyId": "572cea39-ebcf-4da2-bf25-58ef96f965e6",
              "displayName": "CN=m365-emulator test certificate app",
              "pem": "-----BEGIN CERTIFICATE-----\nMIIDOzCCAiOgAwIBAgIUIBAJ7FM7HOJmMvvOeSlSuDTB+2EwDQYJKoZIhvcNAQEL\nBQAwLTErMCkGA1UEAwwibTM2NS1lbXVsYXRvciB0ZXN0IGNlcnRpZmljYXRlIGFw\ncDAeFw0yNjExMjIwMzE1MzVaFw00NjExMTcwMzE1MzVaMC0xKzApBgNVBAMMIm0z\nNjUtZW11bGF0b3IgdGVzdCBjZXJ0aWZpY2F0ZSBhcHAwggEiMA0GCSqGSIb3DQEB\nAQUAA4IBDwAwggEKAoIBAQDet6LiT/foWDc3JueodzwS1SzxMzYFIi6LgVDsVU5o\njHJyRjFm+7hvT+kuU7X5+0DW+0Sf5zybL9+ZffJev3OcnTuaveZilEIDDbq3LYE4\nweXeulWsXVYoczIQUC8H3RgUih3t/xmcPtm/mX29oSTgEahoyXqbFtsH0cphAkhJ\nh2C0wptQifafKmNOzOpL6EJjx6Dq2dtwJ6q/B6CN2Mok+aEFOnbupZMwZjNsDbmx\nTwSsBkdh4nOMQOZiU2mg4YEixgSp2Z5lZVd6p7vvgwLWmou7NqBcevX3c9K3now5\nfNyG9ZqhmPX9Rcmhmm14BAPrDDLm3yyJXz9455GCskwjAgMBAAGjUzBRMB0GA1Ud\nDgQWBBQDYmCg2gWLONoaiQBwYZaZumsI8jAfBgNVHSMEGDAWgBQDYmCg2gWLONoa\niQBwYZaZumsI8jAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQDW\nEkwanM9IvITDT3fxA0B0q/zWpP47d3Y3qHDuS2UjrHugDSknBsLFNKeR6qoHVrCG\npiSEHKNynpoMVCCAfOFS5hXP5pAS820IRsxNam0L/qFcquMHyo5jhpODS4V72FGN\n3w1y/aRq3mOUvG//dlG3yX17ITpNKj/D0feX4l6z0HtIeZHHa0JyEKDd4zBqc9M5\ndKAvezRXbpZ8HXIeT/aExBkbg/CH3DoJ5qSV2T7EzT5P8pan7qd0n0rgHjL/SXTs\nDCfYyyaCb5En9oHFufE3B3fB6xOE+iKek0YICvfeQyXziBjKTXdgHDzIr/nXcuqM\nkJD2dRV+YszbzMSw0xug\n-----END CERTIFICATE-----"
            }
          ],
          "requiredResourceAccess": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "roles": [
                "User.Read.All",
                "Group.ReadWrite.All",
                "Sites.FullControl.All",
                "Application.Read.All"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "roles": [
                "Sites.FullControl.All",
                "TermStore.ReadWrite.All"
              ]
            }
          ]
        },
        {
          "appId": "d04bbb9c-4bc9-460c-b1bd-0db0cd3d89ca",
          "id": "847e27f5-3e5a-4e82-bbad-81f53f4e7471",
          "displayName": "Contoso Deploy (federated)",
          "isPublicClient": false,
          "signInAudience": "AzureADMyOrg",
          "federatedCredentials": [
            {
              "name": "github-main",
              "issuer": "https://token.actions.githubusercontent.com",
              "subject": "repo:contoso/intranet:ref:refs/heads/main",
              "audiences": [
                "api://AzureADTokenExchange"
              ]
            }
          ],
          "requiredResourceAccess": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "roles": [
                "Sites.ReadWrite.All"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "roles": [
                "Sites.FullControl.All"
              ]
            }
          ]
        }
      ],
      "servicePrincipals": [
        {
          "id": "adef586f-f86d-4185-b833-f7b1d4d75589",
          "appId": "00000003-0000-0000-c000-000000000000",
          "displayName": "Microsoft Graph",
          "servicePrincipalType": "Application",
          "servicePrincipalNames": [
            "https://graph.microsoft.com",
            "https://canary.graph.microsoft.com",
            "https://graph.microsoft.us",
            "https://dod-graph.microsoft.us",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://graph.microsoft.de",
            "https://ps.graph.microsoft.com",
            "00000003-0000-0000-c000-000000000000"
          ],
          "publishedScopes": [
            "User.Read",
            "User.ReadBasic.All",
            "User.Read.All",
            "User.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Directory.AccessAsUser.All",
            "Application.Read.All",
            "Application.ReadWrite.All",
            "Sites.Read.All",
            "Sites.ReadWrite.All",
            "Sites.Manage.All",
            "Sites.FullControl.All",
            "Files.Read.All",
            "Files.ReadWrite.All",
            "Mail.Read",
            "Mail.ReadWrite",
            "Mail.Send",
            "MailboxSettings.Read",
            "MailboxSettings.ReadWrite",
            "Calendars.ReadWrite",
            "Team.ReadBasic.All",
            "TeamSettings.ReadWrite.All",
            "ChannelMessage.Read.All",
            "ChannelMessage.Send",
            "Chat.Read",
            "Chat.ReadWrite",
            "Tasks.Read",
            "Tasks.ReadWrite",
            "RecordsManagement.Read.All",
            "RecordsManagement.ReadWrite.All",
            "email",
            "openid",
            "profile",
            "offline_access"
          ],
          "appRoles": [
            "User.Read.All",
            "User.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Application.Read.All",
            "Application.ReadWrite.All",
            "Sites.Read.All",
            "Sites.ReadWrite.All",
            "Sites.Manage.All",
            "Sites.FullControl.All",
            "Files.ReadWrite.All",
            "Mail.Send",
            "Team.ReadBasic.All",
            "Tasks.Read.All",
            "Tasks.ReadWrite.All",
            "RecordsManagement.Read.All",
            "RecordsManagement.ReadWrite.All"
          ]
        },
        {
          "id": "773f08ec-5c36-47d1-a1ec-ba02108de55d",
          "appId": "00000003-0000-0ff1-ce00-000000000000",
          "displayName": "Office 365 SharePoint Online",
          "servicePrincipalType": "Application",
          "servicePrincipalNames": [
            "https://contoso.sharepoint.com",
            "https://contoso-admin.sharepoint.com",
            "https://contoso-my.sharepoint.com",
            "https://microsoft.sharepoint-df.com",
            "00000003-0000-0ff1-ce00-000000000000"
          ],
          "publishedScopes": [
            "AllSites.Read",
            "AllSites.Write",
            "AllSites.Manage",
            "AllSites.FullControl",
            "MyFiles.Read",
            "MyFiles.Write",
            "Sites.Search.All",
            "TermStore.Read.All",
            "TermStore.ReadWrite.All",
            "User.Read.All",
            "User.ReadWrite.All"
          ],
          "appRoles": [
            "Sites.Read.All",
            "Sites.ReadWrite.All",
            "Sites.Manage.All",
            "Sites.FullControl.All",
            "Sites.Selected",
            "TermStore.Read.All",
            "TermStore.ReadWrite.All",
            "User.Read.All",
            "User.ReadWrite.All"
          ]
        },
        {
          "id": "23b0196d-dfe5-4fa7-b399-b636d6f73a3a",
          "appId": "dccb2514-078b-4158-a8c5-9c9238e27952",
          "displayName": "m365 CLI",
          "servicePrincipalType": "Application"
        },
        {
          "id": "da811211-da8a-4089-9a2f-e8687124d765",
          "appId": "539f7720-4b42-49e3-99d6-244b2bfe9858",
          "displayName": "Contoso Automation (secret)",
          "servicePrincipalType": "Application"
        },
        {
          "id": "a11eb4da-3aa3-41f0-96e3-1f7cfe13103a",
          "appId": "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2",
          "displayName": "Contoso Daemon (certificate)",
          "servicePrincipalType": "Application"
        },
        {
          "id": "0dec764a-f001-43e9-93a7-188d15550d34",
          "appId": "d04bbb9c-4bc9-460c-b1bd-0db0cd3d89ca",
          "displayName": "Contoso Deploy (federated)",
          "servicePrincipalType": "Application"
        }
      ],
      "managedIdentities": [
        {
          "type": "SystemAssigned",
          "displayName": "contoso-func",
          "clientId": "28a9d83c-73b1-4fcb-ab30-e13ef20466b7",
          "principalId": "e07a0c16-d0d5-4d1d-afe4-d47331108e11",
          "resourceId": "/subscriptions/5cd05ed1-1523-4628-9133-07534af826dc/resourceGroups/rg-contoso/providers/Microsoft.Web/sites/contoso-func",
          "roles": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "roles": [
                "User.Read.All",
                "Sites.Read.All"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "roles": [
                "Sites.FullControl.All"
              ]
            }
          ]
        },
        {
          "type": "UserAssigned",
          "displayName": "contoso-deployer",
          "clientId": "b0d5152a-d39a-4035-a7f9-da7f4c85e9fd",
          "principalId": "4dd42575-fc37-4605-9788-f81ce117b4be",
          "resourceId": "/subscriptions/5cd05ed1-1523-4628-9133-07534af826dc/resourceGroups/rg-contoso/providers/Microsoft.ManagedIdentity/userAssignedIdentities/contoso-deployer",
          "roles": [
            {
              "resourceAppId": "00000003-0000-0000-c000-000000000000",
              "roles": [
                "Sites.ReadWrite.All",
                "Group.ReadWrite.All"
              ]
            },
            {
              "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
              "roles": [
                "Sites.FullControl.All"
              ]
            }
          ]
        }
      ],
      "sharePoint": {
        "sites": [
          {
            "id": "45e6da8b-41b5-4886-94f5-8741bd903ae5",
            "url": "https://contoso.sharepoint.com",
            "title": "Contoso",
            "description": "Contoso intranet home",
            "webTemplate": "SITEPAGEPUBLISHING",
            "webId": "b0021096-e7c7-4b88-899c-de041cb748f7",
            "owner": "admin@contoso.onmicrosoft.com",
            "lists": [
              {
                "id": "7f522972-925b-4175-bbfa-9c922d2b01f1",
                "title": "Documents",
                "url": "Shared Documents",
                "baseTemplate": 101,
                "items": []
              },
              {
                "id": "60c210f9-1468-444a-8a34-157ff62c2dc2",
                "title": "Tasks",
                "url": "Lists/Tasks",
                "baseTemplate": 100,
                "items": [
                  {
                    "Id": 1,
                    "Title": "Plan the intranet launch"
                  },
                  {
                    "Id": 2,
                    "Title": "Review the navigation"
                  },
                  {
                    "Id": 3,
                    "Title": "Publish the news page"
                  }
                ]
              }
            ],
            "webs": []
          },
          {
            "id": "5d167b2f-135f-472b-9179-8a848602868a",
            "url": "https://contoso.sharepoint.com/sites/marketing",
            "title": "Marketing",
            "description": "Marketing team site",
            "webTemplate": "GROUP",
            "webId": "5cd05ed1-1523-4628-9133-07534af826dd",
            "owner": "megan.bowen@contoso.com",
            "groupId": "80f810ee-a906-4270-8827-743580252680",
            "lists": [
              {
                "id": "c0c6a5c3-ebc2-4b57-835f-6ad150fd8a4e",
                "title": "Documents",
                "url": "Shared Documents",
                "baseTemplate": 101,
                "items": []
              }
            ],
            "webs": []
          },
          {
            "id": "0d3c4b5a-6e7f-4a81-9b2c-3d4e5f6a7b8c",
            "url": "https://contoso.sharepoint.com/sites/apps",
            "title": "Apps",
            "description": "Tenant app catalog",
            "webTemplate": "APPCATALOG",
            "webId": "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
            "owner": "admin@contoso.onmicrosoft.com",
            "lists": [
              {
                "id": "2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b",
                "title": "Apps for SharePoint",
                "url": "AppCatalog",
                "baseTemplate": 336,
                "items": []
              }
            ],
            "webs": []
          },
          {
            "id": "5a21de88-8ccb-4830-b13b-f23482b17c38",
            "url": "https://contoso-admin.sharepoint.com",
            "title": "SharePoint admin center",
            "webTemplate": "TENANTADMIN",
            "webId": "b49771aa-01b9-4747-8f72-62b684374666",
            "lists": [],
            "webs": []
          },
          {
            "id": "3e97fe66-788d-4b27-9ce3-a6c62373b64c",
            "url": "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com",
            "title": "Adele Vance",
            "webTemplate": "SPSPERS",
            "webId": "18385cef-55cd-44c1-a14d-4601936ef5ce",
            "owner": "adele.vance@contoso.com",
            "lists": [
              {
                "id": "9b5c67d1-ff73-46b3-afd3-2ddda8b8aff8",
                "title": "Documents",
                "url": "Documents",
                "baseTemplate": 700,
                "items": []
              }
            ],
            "webs": []
          }
        ]
      }
    }
  ],
  "federatedIssuers": [
    {
      "issuer": "https://token.actions.githubusercontent.com"
    }
  ]
}
"""#
}
