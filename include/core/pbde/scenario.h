/* Scenario files: INI files with sections [world] [annotator] [objective]
   [training] [view] whose keys are the registry's names. The first line,
   when it is a comment, is the scenario's one-line description. */
#ifndef PBDE_SCENARIO_H
#define PBDE_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "pbde/params.h"

/* Largest scenario file read, in bytes. */
#define SCENARIO_MAX_BYTES (1 << 20)

/* Applies the scenario file at path over *p (its keys override, the rest
   stays). File names inside it (density = image:F, pairs-file = F) are
   relative to the scenario's folder. Returns 0, or -1 with "PATH:LINE: what is wrong" (or "PATH: ...")
   in err and *p unchanged. */
int scenario_load(const char *path, params_t *p, char *err, size_t errlen);

/* The same for scenario text already in memory; name is used in messages. */
int scenario_load_text(const char *text, size_t len, const char *name, params_t *p, char *err,
                       size_t errlen);

/* Writes *p as a scenario: the description as the first comment line, then
   every parameter by section. Returns 0, or -1 on a write error. */
int scenario_write(FILE *f, const params_t *p, const char *description);

/* Saves *p as the scenario file path (temporary file + rename). With an
   image density it first writes the image as a PGM beside it (path with
   .pgm in place of .ini) and refers to it as `density = image:NAME.pgm`,
   so the scenario loads again anywhere; a relative pairs-file is written
   relative to the scenario's folder when it can be. Returns 0, or -1 with
   a message in err. */
int scenario_save(const char *path, const params_t *p, const char *description, char *err,
                  size_t errlen);

/* Reads the one-line description of a scenario file into out ("" when it
   has none). Returns 0, or -1 when the file cannot be read. */
int scenario_describe(const char *path, char *out, size_t outlen);
/* The folder of the built-in scenarios (the demos folder): $PBDE_DEMOS, else
   demos/ beside the build folder, else share/pbde/demos of the install
   prefix. Returns 0 with the path in out, or -1 when none exists. */
int scenario_demos_dir(char *out, size_t len);

/* Resolves a --scenario argument: a path as given when it names a file,
   else a built-in scenario's name ("dpo-beta" -> .../demos/dpo-beta.ini). */
void scenario_resolve(const char *arg, char *out, size_t len);

/* Appends " (did you mean 'NAME'?)" to err when arg (a name, not a path)
   is near the name of a file ending in ext (".ini", ".tour") in the demos
   folder. */
void scenario_suggest_file(const char *arg, const char *ext, char *err, size_t errlen);

#endif
