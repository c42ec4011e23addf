/* oci_platform_parse: the --platform option. A parsed platform formats and matches itself. */
#include "fuzz.h"
#include "oci/image_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        struct oci_platform p;
        struct error *err = NULL;
        int ret = oci_platform_parse(text, &p, &err);
        fuzz_check_error("oci_platform_parse", ret, &err);
        if (ret < 0)
                return 0;
        _cleanup_free_ char *formatted = oci_platform_format(&p);
        if (!oci_platform_matches(&p, &p)) {
                fprintf(stderr, "platform \"%s\" (%s) does not match itself\n", text, formatted);
                abort();
        }
        struct oci_platform host;
        oci_platform_host(&host);
        oci_platform_matches(&p, &host);
        oci_platform_matches(&host, &p);
        oci_platform_release(&host);
        oci_platform_release(&p);
        return 0;
}
