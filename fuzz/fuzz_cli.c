/* libFuzzer target: the command-line parser (cli_parse in src/cli/args.c)
   on the real registry. The input is a command line, one argument per
   line; the first byte picks the command name and how many of a
   subcommand's own flags (switches and flags with values, as train,
   sample and tui have) are declared.

   Checks: the status is 0 or EXIT_USAGE; a usage error prints exactly one
   line, "pbde CMD: ..."; an accepted line (without --help/--version)
   gives parameters that are all in range and valid; every flag marked
   present that takes a value has one, pointing into argv.

   --scenario reads a file: inputs where it names a path with a '/' are
   skipped (no /dev/stdin,
   no FIFOs); plain names resolve in the working folder and $PBDE_DEMOS. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static const cli_flag_t FLAGS[] = {
    { "json", 0, "a switch" },
    { "out", 1, "a file" },
    { "with-heldout", 0, "a switch" },
    { "grid-out", 1, "a file" },
    { "color", 1, "auto, always or never" },
    { "no-mouse", 0, "a switch" },
    { "ascii", 0, "a switch" },
    { "paused", 0, "a switch" },
    { "quit-after", 1, "seconds" },
    { "tour", 1, "a tour file" },
};
#define N_FLAGS ((int)(sizeof FLAGS / sizeof FLAGS[0]))

static const char *const CMDS[] = { "train", "sample", "tui", "render" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    const char *cmd = CMDS[data[0] & 3];
    int n_flags = (data[0] >> 2) % (N_FLAGS + 1);
    int first = (data[0] >> 6) & 1 ? 1 : 2;

    /* argv: "pbde", "cmd", then one argument per line of the rest */
    char *buf = malloc(size);
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[MAX_ARGS + 3];
    int argc = 0;
    argv[argc++] = (char *)"pbde";
    argv[argc++] = (char *)cmd;
    char *s = buf, *end = buf + size - 1;
    while (s < end && argc < MAX_ARGS + 2) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        if (nl) *nl = '\0';
        argv[argc++] = s;
        if (!nl) break;
        s = nl + 1;
    }
    argv[argc] = NULL;
    for (int i = 2; i < argc; i++) { /* as cli_parse finds --scenario */
        const char *path = strcmp(argv[i], "--scenario") == 0 && i + 1 < argc ? argv[i + 1]
                           : strncmp(argv[i], "--scenario=", 11) == 0 ? argv[i] + 11 : NULL;
        if (path && strchr(path, '/')) {
            free(buf);
            return 0;
        }
    }

    /* capture what cli_parse prints (glibc's stderr is an lvalue; this is
       a test harness) */
    char *msg = NULL;
    size_t msglen = 0;
    FILE *mem = open_memstream(&msg, &msglen);
    if (!mem) {
        free(buf);
        return 0;
    }
    FILE *saved = stderr;
    stderr = mem;
    cli_args_t *a = malloc(sizeof *a);
    int rc = a ? cli_parse(cmd, argc, argv, first, FLAGS, n_flags, a) : 0;
    stderr = saved;
    fclose(mem);

    if (a && rc != 0) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "pbde %s: ", cmd);
        if (rc != EXIT_USAGE) fuzz_fail("status", "neither 0 nor EXIT_USAGE");
        if (!msg || strncmp(msg, prefix, strlen(prefix)) != 0) fuzz_fail("usage error without 'pbde CMD:'", msg ? msg : "(none)");
        if (msglen < 2 || msg[msglen - 1] != '\n' || memchr(msg, '\n', msglen - 1))
            fuzz_fail("usage error is not exactly one line", msg);
    } else if (a) {
        if (msglen != 0) fuzz_fail("accepted, but printed", msg);
        if (!a->help && !a->version) fuzz_check_params(&a->params);
        for (int i = 0; i < n_flags; i++) {
            if (!a->present[i] || !FLAGS[i].takes_value) continue;
            const char *v = a->values[i];
            int inside = 0;
            for (int j = 0; j < argc && v && !inside; j++)
                inside = v >= argv[j] && v <= argv[j] + strlen(argv[j]);
            if (!inside) fuzz_fail("flag value", "does not point into argv");
        }
        for (int i = n_flags; i < 16; i++)
            if (a->present[i]) fuzz_fail("flag", "an undeclared flag is marked present");
    }
    free(a);
    free(msg);
    free(buf);
    return 0;
}
