from convstudio.wording import a, counted


def test_articles_follow_the_sound():
    assert [a(w) for w in ("Input", "Add", "AvgPool2D", "Upsample2D", "Conv2D", "ReLU", "Dense")] == \
        ["an Input", "an Add", "an AvgPool2D", "an Upsample2D", "a Conv2D", "a ReLU", "a Dense"]
    assert [a(w) for w in ("8×8", "11-class", "18×18", "80-unit", "110-class", "1-class", "3×224×224", "11000")] == \
        ["an 8×8", "an 11-class", "an 18×18", "an 80-unit", "a 110-class", "a 1-class", "a 3×224×224", "an 11000"]


def test_counts_are_singular_for_one():
    assert counted(1, "layer") == "1 layer"
    assert counted(2, "layer") == "2 layers"
    assert counted(0, "warning") == "0 warnings"
    assert counted(1024, "position") == "1,024 positions"
    assert counted(2, "matrix", "matrices") == "2 matrices"
