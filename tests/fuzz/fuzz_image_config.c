/* oci_image_config_parse: the image config a registry or an archive sends; its diff_ids feed the
 * chain IDs. */
#include "fuzz.h"
#include "oci/image_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oci_image_config c;
        struct error *err = NULL;
        int ret = oci_image_config_parse((const char *)data, size, &c, &err);
        fuzz_check_error("oci_image_config_parse", ret, &err);
        if (ret < 0)
                return 0;
        if (c.n_diff_ids > 0) {
                struct digest *chain = xcalloc(c.n_diff_ids, sizeof(*chain));
                oci_chain_ids(c.diff_ids, c.n_diff_ids, chain);
                free(chain);
        }
        oci_image_config_release(&c);
        return 0;
}
