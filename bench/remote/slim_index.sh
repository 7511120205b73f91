#!/usr/bin/env bash
# Keep the study's full checkpoints out of a device call's copy of the tree, or put them back.
#
#   bash bench/remote/slim_index.sh out   # before the wheel-bundle calls
#   bash bench/remote/slim_index.sh in    # when the device work is done (before committing runs/)
#
# A device call copies the tracked tree (as the index has it) plus what it carries, 64 MiB in all. The
# runs/ checkpoints (about 7 MB each) and a 40 MiB wheel bundle no longer fit together. `out` takes every full
# runs/**/model_*.pt (over 2 MB: policy, critic and optimizer) out of the index and ignores them (the files stay
# on disk); the actor-only copies (1 MB, enough to evaluate) stay and travel with the tree. Carry the ones the
# trainings resume from in the call that runs start.sh. `in` undoes both.
set -eu
cd "$(dirname "$0")/../.."
exclude=$(git rev-parse --git-path info/exclude)
pattern='/runs/**/*.pt'
case "${1:-}" in
  out)
    git ls-files -z 'runs/*model_*.pt' | xargs -0 -r -I{} find {} -size +2M -print0 | xargs -0 -r git rm --cached -q --
    grep -qxF "$pattern" "$exclude" 2>/dev/null || echo "$pattern" >> "$exclude"
    echo "checkpoints out of the index: $(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) bytes tracked" \
      "(the index now deletes them: run \`in\` before any commit)"
    ;;
  in)
    if [ -f "$exclude" ]; then grep -vxF "$pattern" "$exclude" > "$exclude.tmp" || true; mv "$exclude.tmp" "$exclude"; fi
    git add -A runs
    echo "checkpoints back in the index: $(git ls-files 'runs/*model_*.pt' | wc -l) files"
    ;;
  *) echo "usage: bash bench/remote/slim_index.sh out|in" >&2; exit 2 ;;
esac
