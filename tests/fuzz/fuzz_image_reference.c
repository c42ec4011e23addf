/* image_reference_parse: anything a user types after `berth pull`. A reference that parses must
 * format to a reference that parses back to the same thing. */
#include "fuzz.h"
#include "oci/image_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        image_reference_is_id_prefix(text);

        struct image_reference ref;
        struct error *err = NULL;
        int ret = image_reference_parse(text, &ref, &err);
        fuzz_check_error("image_reference_parse", ret, &err);
        if (ret < 0)
                return 0;

        _cleanup_free_ char *repository = image_reference_repository(&ref);
        _cleanup_free_ char *formatted = image_reference_format(&ref);
        if (strncmp(formatted, repository, strlen(repository)) != 0)
                abort();
        struct image_reference again;
        ret = image_reference_parse(formatted, &again, &err);
        if (ret < 0) {
                fprintf(stderr, "\"%s\" formats as \"%s\", which does not parse: %s\n", text,
                        formatted, err->msg);
                abort();
        }
        _cleanup_free_ char *formatted_again = image_reference_format(&again);
        if (strcmp(formatted, formatted_again) != 0) {
                fprintf(stderr, "\"%s\" -> \"%s\" -> \"%s\"\n", text, formatted, formatted_again);
                abort();
        }
        image_reference_release(&again);
        image_reference_release(&ref);
        return 0;
}
