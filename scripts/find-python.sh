#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter: a plain python3.13/python3.12/python3 where
# the machine has one, else one installed under pyenv (whose shims refuse versions that are not
# selected, so we go to the interpreter file itself).
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for name in python3.13 python3.12 python3; do
  path=$(command -v "$name" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in $(ls -d "$root"/versions/3.1[3-9]* "$root"/versions/3.12* 2>/dev/null | sort -rV); do
    for exe in "$dir"/bin/python3.1[2-9]; do
      if [ -x "$exe" ] && ok "$exe"; then echo "$exe"; exit 0; fi
    done
  done
fi
echo "tsuchi: no Python >= 3.12 found; install python3.12 or python3.13" >&2
exit 1
