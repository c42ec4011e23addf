/*
 * The lazily bound functions of libcurl, libarchive, libzstd, libisal, libmicrohttpd and
 * libcrypto (lazy_link.h), for x86-64 (System V ABI).
 *
 * Per function NAME (macro LAZY):
 *   NAME:              endbr64; jmp *slot_NAME        what callers call
 *   slot_NAME:         .quad bind_NAME                until bound, then the real function
 *   bind_NAME:         endbr64; r10 = &slot, r11 = "NAME", push LIBRARY; jmp lazy_bind_common
 * lazy_bind_common saves every register that can carry an argument (rdi, rsi, rdx, rcx, r8,
 * r9, rax: the number of vector registers of a variadic call, and xmm0-7), calls
 * lazy_link_bind(slot, name, library) with an aligned stack, restores them and jumps to the
 * function it returned, so the call goes on as if it had been made to it directly.
 */
#include "lazy_link_libraries.h"

        .text
        .p2align 4
        .type lazy_bind_common, @function
lazy_bind_common:
        pushq %rbp                      /* above it: the library index, the return address */
        movq %rsp, %rbp
        pushq %rdi
        pushq %rsi
        pushq %rdx
        pushq %rcx
        pushq %r8
        pushq %r9
        pushq %rax
        subq $128, %rsp
        andq $-16, %rsp
        movdqa %xmm0, 0(%rsp)
        movdqa %xmm1, 16(%rsp)
        movdqa %xmm2, 32(%rsp)
        movdqa %xmm3, 48(%rsp)
        movdqa %xmm4, 64(%rsp)
        movdqa %xmm5, 80(%rsp)
        movdqa %xmm6, 96(%rsp)
        movdqa %xmm7, 112(%rsp)
        movq %r10, %rdi
        movq %r11, %rsi
        movq 8(%rbp), %rdx
        call lazy_link_bind
        movq %rax, %r11
        movdqa 0(%rsp), %xmm0
        movdqa 16(%rsp), %xmm1
        movdqa 32(%rsp), %xmm2
        movdqa 48(%rsp), %xmm3
        movdqa 64(%rsp), %xmm4
        movdqa 80(%rsp), %xmm5
        movdqa 96(%rsp), %xmm6
        movdqa 112(%rsp), %xmm7
        movq -8(%rbp), %rdi
        movq -16(%rbp), %rsi
        movq -24(%rbp), %rdx
        movq -32(%rbp), %rcx
        movq -40(%rbp), %r8
        movq -48(%rbp), %r9
        movq -56(%rbp), %rax
        movq %rbp, %rsp
        popq %rbp
        addq $8, %rsp                   /* the library index */
        jmp *%r11
        .size lazy_bind_common, .-lazy_bind_common

.macro LAZY library, name
        .text
        .globl \name
        .type \name, @function
        .p2align 4
\name:
        endbr64
        jmp *slot_\name(%rip)
        .size \name, .-\name
        .p2align 4
bind_\name:
        endbr64
        leaq slot_\name(%rip), %r10
        leaq name_\name(%rip), %r11
        pushq $\library
        jmp lazy_bind_common
        .section .rodata.str1.1, "aMS", @progbits, 1
name_\name:
        .asciz "\name"
        .data
        .p2align 3
slot_\name:
        .quad bind_\name
.endm

/* LIBCURL */
        LAZY LAZY_LIBCURL, curl_easy_cleanup
        LAZY LAZY_LIBCURL, curl_easy_escape
        LAZY LAZY_LIBCURL, curl_easy_init
        LAZY LAZY_LIBCURL, curl_easy_perform
        LAZY LAZY_LIBCURL, curl_easy_reset
        LAZY LAZY_LIBCURL, curl_easy_setopt
        LAZY LAZY_LIBCURL, curl_easy_strerror
        LAZY LAZY_LIBCURL, curl_free
        LAZY LAZY_LIBCURL, curl_global_init
        LAZY LAZY_LIBCURL, curl_share_init
        LAZY LAZY_LIBCURL, curl_share_setopt
        LAZY LAZY_LIBCURL, curl_slist_append
        LAZY LAZY_LIBCURL, curl_slist_free_all
        LAZY LAZY_LIBCURL, curl_url
        LAZY LAZY_LIBCURL, curl_url_cleanup
        LAZY LAZY_LIBCURL, curl_url_get
        LAZY LAZY_LIBCURL, curl_url_set

/* LIBARCHIVE */
        LAZY LAZY_LIBARCHIVE, archive_entry_atime
        LAZY LAZY_LIBARCHIVE, archive_entry_atime_is_set
        LAZY LAZY_LIBARCHIVE, archive_entry_atime_nsec
        LAZY LAZY_LIBARCHIVE, archive_entry_filetype
        LAZY LAZY_LIBARCHIVE, archive_entry_free
        LAZY LAZY_LIBARCHIVE, archive_entry_gid
        LAZY LAZY_LIBARCHIVE, archive_entry_hardlink
        LAZY LAZY_LIBARCHIVE, archive_entry_hardlink_utf8
        LAZY LAZY_LIBARCHIVE, archive_entry_mtime
        LAZY LAZY_LIBARCHIVE, archive_entry_mtime_nsec
        LAZY LAZY_LIBARCHIVE, archive_entry_new
        LAZY LAZY_LIBARCHIVE, archive_entry_pathname
        LAZY LAZY_LIBARCHIVE, archive_entry_pathname_utf8
        LAZY LAZY_LIBARCHIVE, archive_entry_perm
        LAZY LAZY_LIBARCHIVE, archive_entry_rdev
        LAZY LAZY_LIBARCHIVE, archive_entry_set_filetype
        LAZY LAZY_LIBARCHIVE, archive_entry_set_gid
        LAZY LAZY_LIBARCHIVE, archive_entry_set_mode
        LAZY LAZY_LIBARCHIVE, archive_entry_set_mtime
        LAZY LAZY_LIBARCHIVE, archive_entry_set_pathname
        LAZY LAZY_LIBARCHIVE, archive_entry_set_perm
        LAZY LAZY_LIBARCHIVE, archive_entry_set_rdev
        LAZY LAZY_LIBARCHIVE, archive_entry_set_size
        LAZY LAZY_LIBARCHIVE, archive_entry_set_symlink
        LAZY LAZY_LIBARCHIVE, archive_entry_set_uid
        LAZY LAZY_LIBARCHIVE, archive_entry_size
        LAZY LAZY_LIBARCHIVE, archive_entry_size_is_set
        LAZY LAZY_LIBARCHIVE, archive_entry_stat
        LAZY LAZY_LIBARCHIVE, archive_entry_symlink
        LAZY LAZY_LIBARCHIVE, archive_entry_symlink_utf8
        LAZY LAZY_LIBARCHIVE, archive_entry_uid
        LAZY LAZY_LIBARCHIVE, archive_entry_xattr_count
        LAZY LAZY_LIBARCHIVE, archive_entry_xattr_next
        LAZY LAZY_LIBARCHIVE, archive_entry_xattr_reset
        LAZY LAZY_LIBARCHIVE, archive_errno
        LAZY LAZY_LIBARCHIVE, archive_error_string
        LAZY LAZY_LIBARCHIVE, archive_read_data
        LAZY LAZY_LIBARCHIVE, archive_read_data_block
        LAZY LAZY_LIBARCHIVE, archive_read_free
        LAZY LAZY_LIBARCHIVE, archive_read_new
        LAZY LAZY_LIBARCHIVE, archive_read_next_header
        LAZY LAZY_LIBARCHIVE, archive_read_open
        LAZY LAZY_LIBARCHIVE, archive_read_open_fd
        LAZY LAZY_LIBARCHIVE, archive_read_support_filter_all
        LAZY LAZY_LIBARCHIVE, archive_read_support_filter_bzip2
        LAZY LAZY_LIBARCHIVE, archive_read_support_filter_gzip
        LAZY LAZY_LIBARCHIVE, archive_read_support_filter_xz
        LAZY LAZY_LIBARCHIVE, archive_read_support_filter_zstd
        LAZY LAZY_LIBARCHIVE, archive_read_support_format_gnutar
        LAZY LAZY_LIBARCHIVE, archive_read_support_format_raw
        LAZY LAZY_LIBARCHIVE, archive_read_support_format_tar
        LAZY LAZY_LIBARCHIVE, archive_set_error
        LAZY LAZY_LIBARCHIVE, archive_write_close
        LAZY LAZY_LIBARCHIVE, archive_write_data
        LAZY LAZY_LIBARCHIVE, archive_write_free
        LAZY LAZY_LIBARCHIVE, archive_write_header
        LAZY LAZY_LIBARCHIVE, archive_write_new
        LAZY LAZY_LIBARCHIVE, archive_write_open_fd
        LAZY LAZY_LIBARCHIVE, archive_write_set_bytes_in_last_block
        LAZY LAZY_LIBARCHIVE, archive_write_set_format_pax_restricted

/* LIBZSTD */
        LAZY LAZY_LIBZSTD, ZSTD_CCtx_setParameter
        LAZY LAZY_LIBZSTD, ZSTD_CStreamOutSize
        LAZY LAZY_LIBZSTD, ZSTD_compressStream2
        LAZY LAZY_LIBZSTD, ZSTD_createCCtx
        LAZY LAZY_LIBZSTD, ZSTD_createDCtx
        LAZY LAZY_LIBZSTD, ZSTD_decompressStream
        LAZY LAZY_LIBZSTD, ZSTD_freeCCtx
        LAZY LAZY_LIBZSTD, ZSTD_freeDCtx
        LAZY LAZY_LIBZSTD, ZSTD_getErrorName
        LAZY LAZY_LIBZSTD, ZSTD_isError
        LAZY LAZY_LIBZSTD, ZSTD_maxCLevel

/* LIBISAL */
        LAZY LAZY_LIBISAL, isal_deflate
        LAZY LAZY_LIBISAL, isal_deflate_init
        LAZY LAZY_LIBISAL, isal_inflate
        LAZY LAZY_LIBISAL, isal_inflate_init
        LAZY LAZY_LIBISAL, isal_inflate_reset

/* LIBMICROHTTPD */
        LAZY LAZY_LIBMICROHTTPD, MHD_add_response_header
        LAZY LAZY_LIBMICROHTTPD, MHD_create_response_from_buffer
        LAZY LAZY_LIBMICROHTTPD, MHD_create_response_from_fd_at_offset64
        LAZY LAZY_LIBMICROHTTPD, MHD_destroy_response
        LAZY LAZY_LIBMICROHTTPD, MHD_get_connection_info
        LAZY LAZY_LIBMICROHTTPD, MHD_get_connection_values
        LAZY LAZY_LIBMICROHTTPD, MHD_get_daemon_info
        LAZY LAZY_LIBMICROHTTPD, MHD_is_feature_supported
        LAZY LAZY_LIBMICROHTTPD, MHD_lookup_connection_value
        LAZY LAZY_LIBMICROHTTPD, MHD_queue_response
        LAZY LAZY_LIBMICROHTTPD, MHD_quiesce_daemon
        LAZY LAZY_LIBMICROHTTPD, MHD_start_daemon
        LAZY LAZY_LIBMICROHTTPD, MHD_stop_daemon

/* LIBCRYPTO */
        LAZY LAZY_LIBCRYPTO, ASN1_INTEGER_set
        LAZY LAZY_LIBCRYPTO, BN_bin2bn
        LAZY LAZY_LIBCRYPTO, BN_bn2binpad
        LAZY LAZY_LIBCRYPTO, BN_free
        LAZY LAZY_LIBCRYPTO, CRYPTO_free
        LAZY LAZY_LIBCRYPTO, CRYPTO_memcmp
        LAZY LAZY_LIBCRYPTO, ECDSA_SIG_free
        LAZY LAZY_LIBCRYPTO, ECDSA_SIG_get0
        LAZY LAZY_LIBCRYPTO, ECDSA_SIG_new
        LAZY LAZY_LIBCRYPTO, ECDSA_SIG_set0
        LAZY LAZY_LIBCRYPTO, ERR_clear_error
        LAZY LAZY_LIBCRYPTO, ERR_error_string_n
        LAZY LAZY_LIBCRYPTO, ERR_get_error
        LAZY LAZY_LIBCRYPTO, EVP_DecodeBlock
        LAZY LAZY_LIBCRYPTO, EVP_DigestFinal_ex
        LAZY LAZY_LIBCRYPTO, EVP_DigestInit_ex
        LAZY LAZY_LIBCRYPTO, EVP_DigestSign
        LAZY LAZY_LIBCRYPTO, EVP_DigestSignInit
        LAZY LAZY_LIBCRYPTO, EVP_DigestUpdate
        LAZY LAZY_LIBCRYPTO, EVP_DigestVerify
        LAZY LAZY_LIBCRYPTO, EVP_DigestVerifyInit
        LAZY LAZY_LIBCRYPTO, EVP_EncodeBlock
        LAZY LAZY_LIBCRYPTO, EVP_MD_CTX_free
        LAZY LAZY_LIBCRYPTO, EVP_MD_CTX_new
        LAZY LAZY_LIBCRYPTO, EVP_PKEY_Q_keygen
        LAZY LAZY_LIBCRYPTO, EVP_PKEY_free
        LAZY LAZY_LIBCRYPTO, EVP_PKEY_get_base_id
        LAZY LAZY_LIBCRYPTO, EVP_PKEY_get_bits
        LAZY LAZY_LIBCRYPTO, EVP_sha256
        LAZY LAZY_LIBCRYPTO, EVP_sha512
        LAZY LAZY_LIBCRYPTO, OPENSSL_sk_new_null
        LAZY LAZY_LIBCRYPTO, OPENSSL_sk_pop_free
        LAZY LAZY_LIBCRYPTO, OPENSSL_sk_push
        LAZY LAZY_LIBCRYPTO, PEM_read_PrivateKey
        LAZY LAZY_LIBCRYPTO, RAND_bytes
        LAZY LAZY_LIBCRYPTO, X509_NAME_add_entry_by_txt
        LAZY LAZY_LIBCRYPTO, X509_STORE_CTX_free
        LAZY LAZY_LIBCRYPTO, X509_STORE_CTX_get_error
        LAZY LAZY_LIBCRYPTO, X509_STORE_CTX_init
        LAZY LAZY_LIBCRYPTO, X509_STORE_CTX_new
        LAZY LAZY_LIBCRYPTO, X509_STORE_add_cert
        LAZY LAZY_LIBCRYPTO, X509_STORE_free
        LAZY LAZY_LIBCRYPTO, X509_STORE_load_file
        LAZY LAZY_LIBCRYPTO, X509_STORE_new
        LAZY LAZY_LIBCRYPTO, X509_free
        LAZY LAZY_LIBCRYPTO, X509_get_pubkey
        LAZY LAZY_LIBCRYPTO, X509_get_serialNumber
        LAZY LAZY_LIBCRYPTO, X509_get_subject_name
        LAZY LAZY_LIBCRYPTO, X509_getm_notAfter
        LAZY LAZY_LIBCRYPTO, X509_getm_notBefore
        LAZY LAZY_LIBCRYPTO, X509_gmtime_adj
        LAZY LAZY_LIBCRYPTO, X509_new
        LAZY LAZY_LIBCRYPTO, X509_set_issuer_name
        LAZY LAZY_LIBCRYPTO, X509_set_pubkey
        LAZY LAZY_LIBCRYPTO, X509_set_version
        LAZY LAZY_LIBCRYPTO, X509_sign
        LAZY LAZY_LIBCRYPTO, X509_verify_cert
        LAZY LAZY_LIBCRYPTO, X509_verify_cert_error_string
        LAZY LAZY_LIBCRYPTO, d2i_ECDSA_SIG
        LAZY LAZY_LIBCRYPTO, d2i_X509
        LAZY LAZY_LIBCRYPTO, i2d_ECDSA_SIG
        LAZY LAZY_LIBCRYPTO, i2d_X509

/* LIBYAML (the registry server's configuration file) */
        LAZY LAZY_LIBYAML, yaml_document_delete
        LAZY LAZY_LIBYAML, yaml_document_get_node
        LAZY LAZY_LIBYAML, yaml_document_get_root_node
        LAZY LAZY_LIBYAML, yaml_parser_delete
        LAZY LAZY_LIBYAML, yaml_parser_initialize
        LAZY LAZY_LIBYAML, yaml_parser_load
        LAZY LAZY_LIBYAML, yaml_parser_set_input_file

/* LIBCRYPT (the registry server's htpasswd) */
        LAZY LAZY_LIBCRYPT, crypt
        LAZY LAZY_LIBCRYPT, crypt_gensalt_rn
        LAZY LAZY_LIBCRYPT, crypt_r

        .section .note.GNU-stack, "", @progbits
