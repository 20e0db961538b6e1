"""Checks of a PostgreSQL search index's derived tables against the documents' text vectors.

Shared by the PostgreSQL search tests: every write of the index (insert, text update,
access-key move, delete) must leave the postings exactly what ``search_text`` implies.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: Every posting search_text implies: (document, term id, access key, the lexeme's ts_rank in it).
_EXPECTED = (
    "SELECT t.doc_rowid, s.term_id, t.key_id, ts_rank(t.tsv, CAST(chr(39) || replace(replace(u.lexeme, "
    "chr(92), chr(92) || chr(92)), chr(39), chr(39) || chr(39)) || chr(39) AS tsquery), 1) AS weight "
    "FROM search_text t CROSS JOIN LATERAL unnest(t.tsv) AS u JOIN search_terms s ON s.term = u.lexeme"
)
_STORED = "SELECT doc_rowid, term_id, key_id, weight FROM search_postings"


def postings_mismatches(conn: Connection) -> int:
    """Postings missing, extra or different from the text vectors, plus terms whose count disagrees."""
    differing = conn.execute(
        text(
            f"SELECT count(*) FROM (({_EXPECTED} EXCEPT ALL {_STORED}) UNION ALL ({_STORED} EXCEPT ALL {_EXPECTED})) AS d"
        )
    ).scalar_one()
    miscounted = conn.execute(
        text(
            "SELECT count(*) FROM search_terms s FULL JOIN "
            "(SELECT term_id, count(*) AS n FROM search_postings GROUP BY term_id) AS p ON p.term_id = s.term_id "
            "WHERE coalesce(p.n, 0) <> coalesce(s.documents, 0)"
        )
    ).scalar_one()
    return int(differing) + int(miscounted)
