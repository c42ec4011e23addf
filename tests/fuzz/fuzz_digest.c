/* digest_parse: digests come from manifests, indexes, URLs and file names. A parsed digest keeps
 * the invariant its header states: "sha256:" + 64 or "sha512:" + 128 lower-case hex. */
#include "base/digest.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        struct digest d;
        struct error *err = NULL;
        int ret = digest_parse(text, &d, &err);
        fuzz_check_error("digest_parse", ret, &err);
        if (ret < 0)
                return 0;
        size_t want = d.algorithm == DIGEST_SHA256 ? 64 : 128;
        const char *hex = digest_hex(&d);
        if (strlen(hex) != want || strspn(hex, "0123456789abcdef") != want ||
            strcmp(d.text, text) != 0) {
                fprintf(stderr, "digest_parse(\"%s\") gave \"%s\"\n", text, d.text);
                abort();
        }
        struct digest again;
        if (digest_parse(d.text, &again, &err) < 0 || !digest_equal(&d, &again))
                abort();
        return 0;
}
