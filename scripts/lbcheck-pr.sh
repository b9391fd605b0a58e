#!/usr/bin/env bash
# The review bot: diff each config against the pull request's base, post (or
# update) one Markdown comment, write SARIF for code scanning and GitHub
# annotations, and fail when the change introduces findings.
#
# usage: lbcheck-pr.sh CONFIG...
# env:   LBCHECK          the lbcheck binary (default: lbcheck on PATH)
#        LBCHECK_BASE     revision to compare with (default: origin/$GITHUB_BASE_REF)
#        LBCHECK_FAIL_ON  error|warning|info|never (default: error)
#        LBCHECK_OUT      output directory (default: lbcheck-out)
#        LBCHECK_COMMENT  "false" to skip the comment
#        LBCHECK_COMMENT_LIMIT  bytes a comment may take (default 65536, GitHub's
#                         limit): each config's part fits on its own, and the
#                         whole is cut at a line, its folds closed, when needed
#        GITHUB_REPOSITORY, GITHUB_EVENT_PATH (or PR_NUMBER), GH_TOKEN: for the comment
set -uo pipefail

lbcheck=${LBCHECK:-lbcheck}
base=${LBCHECK_BASE:-origin/${GITHUB_BASE_REF:-main}}
fail_on=${LBCHECK_FAIL_ON:-error}
out=${LBCHECK_OUT:-lbcheck-out}
marker='<!-- lbcheck-pr -->'

[ $# -gt 0 ] || { echo "usage: lbcheck-pr.sh CONFIG..." >&2; exit 2; }
mkdir -p "$out/sarif"
comment="$out/comment.md"
printf '%s\n' "$marker" > "$comment"

status=0
n=0
for config in "$@"; do
    n=$((n + 1))
    printf '\n#### `%s`\n\n' "$(basename "$config" | tr -d '`')" >> "$comment"
    "$lbcheck" diff --base "$base" "$config" --fail-on "$fail_on" --format markdown >> "$comment"
    rc=$?
    if [ $rc -gt 1 ]; then
        echo "lbcheck could not read $config (exit $rc)" >&2
        exit $rc
    fi
    [ $rc -eq 1 ] && status=1
    "$lbcheck" diff --base "$base" "$config" --fail-on never --format sarif > "$out/sarif/$n.sarif"
    # Annotations on the pull request's files.
    "$lbcheck" diff --base "$base" "$config" --fail-on never --format github
done

# Several configs' parts may together pass the limit: keep whole lines up to
# it (less room for the note), close the <details> left open, and say so.
limit=${LBCHECK_COMMENT_LIMIT:-65536}
if [ "$(wc -c < "$comment")" -gt "$limit" ]; then
    LC_ALL=C awk -v max=$((limit - 256)) '
        size + length($0) + 1 > max { cut = 1; exit }
        { size += length($0) + 1; print }
        /<details>/ { open++ }
        /<\/details>/ { open-- }
        END {
            if (!cut) exit
            for (i = 0; i < open; i++) print "\n</details>"
            print "\n_Cut to fit a comment: the job'"'"'s lbcheck-out/sarif has every finding._"
        }' "$comment" > "$comment.cut" && mv "$comment.cut" "$comment"
fi

pr=${PR_NUMBER:-}
if [ -z "$pr" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    pr=$(sed -n 's/.*"number": *\([0-9][0-9]*\).*/\1/p' "$GITHUB_EVENT_PATH" | head -n 1)
fi
if [ "${LBCHECK_COMMENT:-true}" != "false" ] && [ -n "$pr" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
    existing=$(gh api "repos/$GITHUB_REPOSITORY/issues/$pr/comments" --paginate \
        --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
    if [ -n "$existing" ]; then
        gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -F "body=@$comment" > /dev/null
    else
        gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$comment" > /dev/null
    fi
fi
exit $status
