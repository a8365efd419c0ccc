import pytest

from tidu.core.sizes import human_size, megabytes


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (500, "500 B"), (1023, "1023 B"), (1024, "1 KB"), (1536, "1.5 KB"), (2048, "2 KB"),
    (10 * 1024 * 1024, "10 MB"), (int(1.25 * 1024 * 1024), "1.2 MB"), (51 * 1024 * 1024 + 1, "51 MB"),
    (3 * 1024 ** 3, "3 GB"),
])
def test_human_size(size, text):
    assert human_size(size) == text


def test_megabytes_for_a_sentence_that_says_mb():
    assert megabytes(50 * 1024 * 1024) == "50"
    assert megabytes(15 * 1024 * 1024) == "15"
    assert megabytes(512 * 1024) == "0.5"
