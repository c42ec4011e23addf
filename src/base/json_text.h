/* Small JSON text helpers that need no JSON library (the log writer and the monitor use them). */
#pragma once

/* Returns a newly allocated JSON string literal (with quotes) for s. */
char *json_text_quote(const char *s);
