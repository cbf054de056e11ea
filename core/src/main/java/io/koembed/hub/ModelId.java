package io.koembed.hub;

import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub: a repository id {@code org/name} and a revision (a branch, a tag or a 40-digit
 * commit hash; {@code main} when none is given). Written {@code org/name} or {@code org/name@revision}.
 *
 * <p>Repository ids follow huggingface_hub's rules: a namespace and a name of letters, digits, {@code _ . -},
 * each starting and ending with a letter, digit or {@code _}, the name at most 96 characters, no {@code --} or
 * {@code ..}, not ending in {@code .git}. Revisions may hold {@code /} (e.g. {@code refs/pr/1}) but no {@code ..}
 * part, backslash or control character, because the revision names a file under the cache's {@code refs/}.
 */
public record ModelId(String repoId, String revision) {
    public static final String DEFAULT_REVISION = "main";

    private static final String PART = "[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?";
    private static final Pattern REPO_ID = Pattern.compile(PART + "/" + PART);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public ModelId {
        if (repoId == null || !isRepoId(repoId)) {
            throw new IllegalArgumentException("'" + repoId + "' is not a Hub model id: expected org/name (letters, "
                    + "digits, '_', '.', '-')");
        }
        revision = revision == null ? DEFAULT_REVISION : revision;
        String problem = revisionProblem(revision);
        if (problem != null) {
            throw new IllegalArgumentException("revision '" + revision + "' of " + repoId + ": " + problem);
        }
    }

    /** {@code org/name} or {@code org/name@revision}. */
    public static ModelId parse(String text) {
        int at = text.indexOf('@');
        return at < 0 ? new ModelId(text, null) : new ModelId(text.substring(0, at), text.substring(at + 1));
    }

    /** Whether {@code text} reads as {@code org/name} or {@code org/name@revision} (the revision unchecked). */
    public static boolean looksLikeHubId(String text) {
        int at = text.indexOf('@');
        return isRepoId(at < 0 ? text : text.substring(0, at));
    }

    /** Whether the revision is a full commit hash (which never moves, unlike a branch or tag). */
    public boolean isCommit() {
        return isCommitHash(revision);
    }

    static boolean isCommitHash(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    private static boolean isRepoId(String s) {
        return REPO_ID.matcher(s).matches() && s.length() - s.indexOf('/') - 1 <= 96
                && !s.contains("--") && !s.contains("..") && !s.endsWith(".git");
    }

    private static String revisionProblem(String revision) {
        if (revision.isEmpty()) {
            return "empty";
        }
        for (int i = 0; i < revision.length(); i++) {
            char c = revision.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return "control characters and backslashes are not allowed";
            }
        }
        if (revision.startsWith("/") || revision.endsWith("/")) {
            return "must not start or end with '/'";
        }
        for (String part : revision.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return "'" + part + "' is not allowed as a part of it";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return repoId + "@" + revision;
    }
}
