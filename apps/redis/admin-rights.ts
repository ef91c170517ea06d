// What the redis provider's admin user may do on the add-on Redis, in one place because both
// ends depend on it: bootstrap gives the user these rules, provider.ts uses nothing more.
// Redis cannot narrow ACL SETUSER to some users: this admin could make a user with every
// right on its server. That is contained by the server holding nothing but add-on data.

export function adminAclRules(password: string): string[] {
  return [
    `>${password}`, "resetkeys", "~addon:*", "resetchannels", "nocommands",
    "+acl|setuser", "+acl|deluser", "+acl|save", "+scan", "+unlink", "+ping",
  ];
}
