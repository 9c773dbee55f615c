/* make web-bench: runs the browser's benchmark (src/web/bench_web.c)
   under node and prints its JSON. */
#include <stdio.h>

int pbde_web_bench(char *out, size_t n);

int main(void)
{
    char buf[2048];
    if (pbde_web_bench(buf, sizeof buf) < 0) {
        fprintf(stderr, "pbde web-bench: the benchmark failed (out of memory or a trainer error)\n");
        return 1;
    }
    puts(buf);
    return 0;
}
