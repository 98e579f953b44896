from tsuchi.core.evidence import GENESIS_HASH, Link, link_hash, verify_chain


def _chain(contents):
    links, previous = [], GENESIS_HASH
    for i, content in enumerate(contents, start=1):
        h = link_hash(previous, content)
        links.append(Link(str(i), i, previous, h, content))
        previous = h
    return links


def test_hash_is_independent_of_key_order_but_not_of_values():
    assert link_hash(GENESIS_HASH, {"a": 1, "b": "髙"}) == link_hash(
        GENESIS_HASH, {"b": "髙", "a": 1}
    )
    assert link_hash(GENESIS_HASH, {"a": 1}) != link_hash(GENESIS_HASH, {"a": 2})


def test_reordered_links_are_detected():
    links = _chain([{"n": 1}, {"n": 2}, {"n": 3}])
    verdict = verify_chain([links[0], links[2], links[1]])
    assert not verdict.ok
    assert verdict.broken_link == "3"
