#!/usr/bin/env python3
"""check-layers.py BUILDDIR SRCDIR: the code keeps the layer order that
docs/internals.md writes down.

The order is the ```layers block of docs/internals.md: one line per layer,
lowest first, "name: file file ...", files by their name without .c (a
header belongs to the file it is named after: store_internal.h to store,
plan.h to plan; a module's X_private.h, shared by its files, and headers
named after no file count only through the calls they lead to). Then, from the objects the build made (what a
file really calls, by nm) and from the sources' #include lines:

- no file uses a file of a higher layer;
- no files use each other in a circle, within a layer or across;
- every source file is in the table (a new file gets a place on purpose).
"""
import collections
import os
import re
import subprocess
import sys

build, src = sys.argv[1], sys.argv[2]


def read_layers():
    text = open(os.path.join(src, 'docs', 'internals.md')).read()
    m = re.search(r'```layers\n(.*?)```', text, re.S)
    if not m:
        sys.exit('docs/internals.md has no ```layers block')
    layer_of, names = {}, []
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        name, files = line.split(':', 1)
        names.append(name.strip())
        for f in files.split():
            if f in layer_of:
                sys.exit(f'{f} is in two layers')
            layer_of[f] = len(names) - 1
    return layer_of, names


layer_of, layer_names = read_layers()

# The program directories: their files are named dir/file in the table.
PROGRAMS = ['ukiyod', 'ukiyoctl']
SOURCE_DIRS = [('libukiyo/src', ''), ('libukiyo/src/util', '')] + [(p, p + '/') for p in PROGRAMS]


def unit_of_header(prefix, header):
    stem = os.path.basename(header)[:-2]
    for suffix in ('_private', '_internal'):
        if stem.endswith(suffix) and prefix + stem[: -len(suffix)] in layer_of:
            return prefix + stem[: -len(suffix)]
    return prefix + stem


problems = []
uses = collections.defaultdict(dict)  # unit -> {unit it uses: why}
units = set()

# ---- includes ---------------------------------------------------------------
for d, prefix in SOURCE_DIRS:
    path = os.path.join(src, d)
    if not os.path.isdir(path):
        continue
    for f in sorted(os.listdir(path)):
        if not f.endswith(('.c', '.h')):
            continue
        unit = prefix + f[:-2] if f.endswith('.c') else unit_of_header(prefix, f)
        if unit not in layer_of:
            # A header named after no file holds shared declarations (internal.h).
            if f.endswith('.c'):
                problems.append(f'{d}/{f}: not in the layer table of docs/internals.md')
            continue
        units.add(unit)
        for inc in re.findall(r'^#include "([^"]+)"', open(os.path.join(path, f)).read(), re.M):
            if inc.startswith('ukiyo') and '/' in inc or inc in ('ukiyo.h',):
                continue  # the public headers: the API, open to every layer
            if inc.endswith('_private.h'):
                continue  # a module's files' shared declarations: their calls count
            target = unit_of_header(prefix, inc)
            if target not in layer_of and prefix and target[len(prefix):] in layer_of:
                target = target[len(prefix):]
            if target != unit and target in layer_of:
                uses[unit].setdefault(target, f'#include "{inc}" in {f}')

# ---- calls, from the objects ------------------------------------------------
def objects():
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith('.o'):
                continue
            full = os.path.join(root, f)
            rel = os.path.relpath(full, build)
            # libukiyo's shared library, its utilities, and the programs' own objects.
            if rel.startswith(('libukiyo/libukiyo.so.', 'libukiyo/libukiyo-util.a.p/')):
                yield '', full
            for p in PROGRAMS:
                if rel.startswith(f'{p}/{p}.p/'):
                    yield p + '/', full


def unit_of_object(prefix, path):
    # meson names objects like src_util_tz.c.o or main.c.o
    name = os.path.basename(path)[: -len('.c.o')]
    for lead in ('src_util_', 'src_'):
        if name.startswith(lead):
            name = name[len(lead):]
            break
    return prefix + name


defined, undefined = {}, collections.defaultdict(set)
for prefix, obj in objects():
    unit = unit_of_object(prefix, obj)
    out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDRBCG' and parts[1].isupper():
            defined.setdefault(parts[2], unit)
        elif len(parts) == 2 and parts[0] == 'U':
            undefined[unit].add(parts[1])
for unit, syms in undefined.items():
    for sym in sorted(syms):
        target = defined.get(sym)
        if target and target != unit:
            uses[unit].setdefault(target, f'calls {sym}')

if not defined:
    sys.exit(f'no objects found under {build}')

# ---- the rules --------------------------------------------------------------
for unit in sorted(uses):
    for target, why in sorted(uses[unit].items()):
        if unit in layer_of and target in layer_of and layer_of[target] > layer_of[unit]:
            problems.append(f'{unit} ({layer_names[layer_of[unit]]}) uses {target} '
                            f'({layer_names[layer_of[target]]}), a higher layer: {why}')

# Circles: a depth-first search that reports each circle once.
state, stack = {}, []


def visit(u):
    state[u] = 'open'
    stack.append(u)
    for t in sorted(uses.get(u, {})):
        if state.get(t) == 'open':
            circle = stack[stack.index(t):] + [t]
            problems.append('circle: ' + ' -> '.join(circle) + ' (' + '; '.join(
                f'{a} {uses[a][b]}' for a, b in zip(circle, circle[1:])) + ')')
        elif t not in state:
            visit(t)
    stack.pop()
    state[u] = 'done'


for u in sorted(uses):
    if u not in state:
        visit(u)

for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(f'{len(problems)} problem(s) with the layers of docs/internals.md')
edges = sum(len(v) for v in uses.values())
print(f'{len(units)} files in {len(layer_names)} layers, {edges} uses: each goes down or '
      'sideways, and none closes a circle')
