"""Linear regression with autograd (seed 000 §1.2.4): fit y = 2x + 3 from noisy samples and
print the loss curve."""
import ember as t


def get_fake_data(batch_size=8):
    x = t.rand(batch_size, 1) * 5
    y = x * 2 + 3 + t.randn(batch_size, 1)
    return x, y


def main(steps=500, lr=0.005):
    t.manual_seed(1000)
    w = t.rand(1, 1, requires_grad=True)
    b = t.zeros(1, 1, requires_grad=True)
    for step in range(steps):
        x, y = get_fake_data(batch_size=32)
        y_pred = x.mm(w) + b.expand_as(y)
        loss = 0.5 * (y_pred - y) ** 2
        loss = loss.sum()
        loss.backward()
        w.data.sub_(lr * w.grad.data)
        b.data.sub_(lr * b.grad.data)
        w.grad.data.zero_()
        b.grad.data.zero_()
        if step % 50 == 0:
            print("step %4d  loss %10.4f  " % (step, loss.item()) + "#" * min(int(loss.item() / 4), 60))
    print("w = %.4f, b = %.4f (true: 2, 3)" % (w.item(), b.item()))


if __name__ == "__main__":
    main()
