// The part of aws-msk-iam-sasl-signer-js (AWS's MSK IAM token signer) that the documentation uses,
// so that its recipe compiles without the package, which this project does not depend on. The
// shape is the package's published one: a base64url token and its expiry in ms since the epoch.

/** What `generateAuthToken` resolves to. */
export interface GenerateAuthTokenResponse {
  /** The signed MSK IAM token, for OAUTHBEARER. */
  token: string;
  /** When the token expires, in milliseconds since the Unix epoch. */
  expiryTime: number;
}

/** Signs a token with the default AWS credential chain (or the named profile or role). */
export function generateAuthToken(options: {
  region: string;
  awsProfileName?: string;
  awsRoleArn?: string;
  awsRoleSessionName?: string;
}): Promise<GenerateAuthTokenResponse>;
