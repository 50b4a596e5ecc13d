/*
 * ncst_compat.h -- keep the Linux plug-in loadable on older distributions (hosts such as Resolve
 * target enterprise Linux). glibc 2.29 added a new symbol version of pow; binding to the original
 * one keeps the plug-in's glibc floor at 2.14 (checked by tests/check_exports.cmake). The maths is
 * the same; only the errno/SVID error handling of the old entry point differs.
 * Include first in every source file that calls pow().
 */
#ifndef NCST_COMPAT_H
#define NCST_COMPAT_H
#include <limits.h> /* defines __GLIBC__ on glibc */
#if defined(__GLIBC__) && defined(__x86_64__) && !defined(NCST_NO_GLIBC_COMPAT)
__asm__(".symver pow,pow@GLIBC_2.2.5");
#endif
#endif
