/*
 * credential.c - one registry credential (a user name and password, or an
 * identity token); secrets are overwritten when it is freed. auth.c finds
 * them; auth_helper.c and the store make them.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ukiyo_credential {
    char *registry;
    char *username;
    char *password;
    char *identity_token;
};

UKIYO_EXTERN int ukiyo_credential_new(ukiyo_credential **out, const char *registry,
                                      const char *username, const char *password,
                                      const char *identity_token)
{
    ukiyo_credential *c;

    if (!out || !registry || (!identity_token && !username))
        return ukiyo__error_set(UKIYO_EINVAL, "a credential needs a registry and a user name "
                                              "or an identity token");
    c = calloc(1, sizeof(*c));
    if (!c)
        return UKIYO_ENOMEM;
    c->registry = strdup(registry);
    c->username = ukiyo__str_dup(username);
    c->password = ukiyo__str_dup(password ? password : (identity_token ? NULL : ""));
    c->identity_token = ukiyo__str_dup(identity_token);
    if (!c->registry || (username && !c->username) || (identity_token && !c->identity_token)) {
        ukiyo_credential_free(c);
        return UKIYO_ENOMEM;
    }
    *out = c;
    return 0;
}

UKIYO_EXTERN void ukiyo_credential_free(ukiyo_credential *c)
{
    if (!c)
        return;
    free(c->registry);
    free(c->username);
    ukiyo__str_free_secret(c->password);
    ukiyo__str_free_secret(c->identity_token);
    free(c);
}

UKIYO_EXTERN const char *ukiyo_credential_registry(const ukiyo_credential *c)
{
    return c->registry;
}

UKIYO_EXTERN const char *ukiyo_credential_username(const ukiyo_credential *c)
{
    return c->username;
}

UKIYO_EXTERN const char *ukiyo_credential_password(const ukiyo_credential *c)
{
    return c->password;
}

UKIYO_EXTERN const char *ukiyo_credential_identity_token(const ukiyo_credential *c)
{
    return c->identity_token;
}
