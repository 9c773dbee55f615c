#!/bin/sh
# Turns a text file into a C header holding it as one string constant:
#   sh mk/embed.sh FILE NAME > OUT.h
# Backslashes, quotes and question marks (trigraphs under -std=c11) are
# escaped; each line keeps its newline.
set -e
printf '/* generated from %s by mk/embed.sh: do not edit */\n' "$1"
printf 'static const char %s[] =\n' "$2"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' -e 's/$/\\n"/' "$1"
printf '    ;\n'
