/*
 * ukiyo/common.h - conventions shared by every libukiyo module:
 * the export macro, error codes, the thread-local last error and logging.
 *
 * Ownership words used in every doc comment:
 *   "new"      - the caller owns the result and releases it with the named _free.
 *   "borrowed" - the result lives as long as its parent object; do not free it.
 */
#ifndef UKIYO_COMMON_H
#define UKIYO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define UKIYO_EXTERN __attribute__((visibility("default")))
#else
#define UKIYO_EXTERN
#endif

/** Error codes: every fallible function returns 0 or one of these (negative). */
typedef enum {
    UKIYO_OK = 0,
    UKIYO_EINVAL = -1,        /**< bad argument or malformed input */
    UKIYO_ENOMEM = -2,        /**< out of memory */
    UKIYO_ENOTFOUND = -3,     /**< no such container, image, tag or credential */
    UKIYO_EAUTH = -4,         /**< authentication refused or missing */
    UKIYO_ECONFLICT = -5,     /**< name in use, state conflict */
    UKIYO_ETIMEOUT = -6,      /**< a request or wait took too long */
    UKIYO_EDOCKER = -7,       /**< the engine answered with an error */
    UKIYO_EREGISTRY = -8,     /**< the registry answered with an error */
    UKIYO_ECONNECT = -9,      /**< could not reach the engine or registry */
    UKIYO_EPROTOCOL = -10,    /**< the peer sent something we cannot understand */
    UKIYO_ERATELIMIT = -11,   /**< the registry says: too many requests */
    UKIYO_EIO = -12,          /**< local file or process I/O failed */
    UKIYO_EUNSUPPORTED = -13, /**< the peer or platform lacks a feature */
    UKIYO_EINTERRUPTED = -14  /**< ukiyo_interrupt() ended the wait; the journal keeps the rest */
} ukiyo_error_code;

/**
 * Name an error code ("not found", "authentication failed", ...).
 * @return a static string, never NULL.
 */
UKIYO_EXTERN const char *ukiyo_strerror(int code);

/**
 * The message of the last failure on this thread, with the engine's or the
 * registry's own words in it.
 * @return borrowed; valid until the next libukiyo call on this thread.
 *         "" when nothing has failed yet.
 */
UKIYO_EXTERN const char *ukiyo_error_last(void);

/** Forget the last error of this thread. */
UKIYO_EXTERN void ukiyo_error_clear(void);

typedef enum {
    UKIYO_LOG_ERROR = 0,
    UKIYO_LOG_WARNING = 1,
    UKIYO_LOG_INFO = 2,
    UKIYO_LOG_DEBUG = 3
} ukiyo_log_level;

/**
 * A log handler. @p message has no trailing newline and is borrowed for the
 * duration of the call. Called from whichever thread logs.
 */
typedef void (*ukiyo_log_fn)(ukiyo_log_level level, const char *message, void *payload);

/**
 * Set the process-wide log handler; NULL restores the default, which is silent.
 * The library never prints and never exits on its own.
 * Set it before other threads use the library.
 */
UKIYO_EXTERN void ukiyo_log_set_handler(ukiyo_log_fn fn, void *payload);

/** Messages above @p max_level are not passed to the handler. Default: INFO. */
UKIYO_EXTERN void ukiyo_log_set_level(ukiyo_log_level max_level);

/**
 * Release a string that a libukiyo function returned as "new" (char **out).
 * NULL does nothing.
 */
UKIYO_EXTERN void ukiyo_string_free(char *s);

/** A list of strings (tags, ...). Opaque. */
typedef struct ukiyo_string_list ukiyo_string_list;

/** Number of strings; 0 for NULL. */
UKIYO_EXTERN size_t ukiyo_string_list_count(const ukiyo_string_list *list);
/** The @p index-th string, or NULL past the end. Borrowed from the list. */
UKIYO_EXTERN const char *ukiyo_string_list_get(const ukiyo_string_list *list, size_t index);
/** A new empty list (to hand to ukiyo_policy_choose(), ...). 0 or UKIYO_ENOMEM. */
UKIYO_EXTERN int ukiyo_string_list_new(ukiyo_string_list **out);
/** Append a copy of @p s. 0 or UKIYO_ENOMEM. */
UKIYO_EXTERN int ukiyo_string_list_append(ukiyo_string_list *list, const char *s);
/** Release a list. NULL does nothing. */
UKIYO_EXTERN void ukiyo_string_list_free(ukiyo_string_list *list);

/**
 * Compare two secrets (tokens, webhook secrets) in time that does not
 * depend on where they differ. NULL never matches.
 * @return non-zero when equal
 */
UKIYO_EXTERN int ukiyo_secret_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
