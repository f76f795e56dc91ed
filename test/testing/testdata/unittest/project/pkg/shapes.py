def area(w, h):
    return w * h


def parse_size(text):
    w, h = text.split("x")
    return int(w), int(h)
