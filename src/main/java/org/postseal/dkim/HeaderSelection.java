package org.postseal.dkim;

import java.util.ArrayList;
import java.util.List;
import org.postseal.message.HeaderField;

/**
 * Picks the header field instances that an {@code h=} list names (RFC 6376 §5.4.2): for each name in order, the
 * last instance not yet used; a name with no instance left (an oversigned name) contributes nothing.
 */
final class HeaderSelection {
    private HeaderSelection() {
    }

    static List<HeaderField> select(List<HeaderField> headers, List<String> names) {
        boolean[] used = new boolean[headers.size()];
        List<HeaderField> selected = new ArrayList<>(names.size());
        for (String name : names) {
            for (int i = headers.size() - 1; i >= 0; i--) {
                if (!used[i] && headers.get(i).hasName(name)) {
                    used[i] = true;
                    selected.add(headers.get(i));
                    break;
                }
            }
        }
        return selected;
    }
}
