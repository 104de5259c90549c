// Identity providers the SSO tests broker (config and plan tests alike).

/** A corporate OIDC provider mapping its platform-admins group. */
export const OIDC_IDP = {
    alias: "corporate",
    displayName: "Acme SSO",
    type: "Oidc",
    oidc: {
        issuer: "https://login.acme.example",
        authorizationUrl: "https://login.acme.example/authorize",
        tokenUrl: "https://login.acme.example/token",
        jwksUrl: "https://login.acme.example/jwks",
        clientId: "platform",
    },
    groupMappings: [{ from: "corp-platform-admins", to: "platform-admins" }],
};
