/* Complete-or-nothing writes: new files, replacements that keep the mode,
   links that keep pointing at their target, devices written in place and
   their errors reported, and an aborted write that changes nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pbde/outfile.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pbde-outfile-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect(const char *path, const char *text)
{
    char buf[256] = { 0 };
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, text);
}

/* Entries of dir other than . and .. */
static int entries(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void write_text(const char *path, const char *text, int want_rc)
{
    outfile_t o;
    assert_int_equal(outfile_open(&o, path, "w"), 0);
    fputs(text, o.f);
    assert_int_equal(outfile_commit(&o), want_rc);
}

static void test_new_and_replace(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.ini", dir);
    write_text(path, "one\n", 0);
    expect(path, "one\n");
    assert_int_equal(chmod(path, 0640), 0);
    write_text(path, "two\n", 0);
    expect(path, "two\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(entries(), 1); /* no temporary left */
    unlink(path);
}

static void test_abort_keeps_the_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/keep.csv", dir);
    put(path, "precious\n");
    outfile_t o;
    assert_int_equal(outfile_open(&o, path, "w"), 0);
    fputs("half", o.f);
    outfile_abort(&o);
    expect(path, "precious\n");
    assert_int_equal(entries(), 1);
    unlink(path);
}

static void test_link_keeps_its_target(void **state)
{
    (void)state;
    char target[128], link[128];
    snprintf(target, sizeof target, "%s/target.ini", dir);
    snprintf(link, sizeof link, "%s/link.ini", dir);
    put(target, "old\n");
    assert_int_equal(symlink(target, link), 0);
    write_text(link, "new\n", 0);
    struct stat ls;
    assert_int_equal(lstat(link, &ls), 0);
    assert_true(S_ISLNK(ls.st_mode));
    expect(target, "new\n");
    assert_int_equal(entries(), 2);
    unlink(link);
    unlink(target);
}

/* Devices are written in place: /dev/null takes everything, /dev/full
   reports a full disk, and both stay devices. */
static void test_devices_in_place(void **state)
{
    (void)state;
    write_text("/dev/null", "nothing\n", 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    if (stat("/dev/full", &st) != 0) skip();
    outfile_t o;
    assert_int_equal(outfile_open(&o, "/dev/full", "w"), 0);
    assert_int_equal(o.in_place, 1);
    for (int i = 0; i < 1000; i++) fputs("a line that does not fit\n", o.f);
    errno = 0;
    assert_int_equal(outfile_commit(&o), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void test_refusals(void **state)
{
    (void)state;
    outfile_t o;
    errno = 0;
    assert_int_equal(outfile_open(&o, dir, "w"), -1);
    assert_int_equal(errno, EISDIR);
    char path[128];
    snprintf(path, sizeof path, "%s/no/such/folder/x.ini", dir);
    assert_int_equal(outfile_open(&o, path, "w"), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(outfile_open(&o, "", "w"), -1);
    assert_int_equal(entries(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_replace),
        cmocka_unit_test(test_abort_keeps_the_file),
        cmocka_unit_test(test_link_keeps_its_target),
        cmocka_unit_test(test_devices_in_place),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
